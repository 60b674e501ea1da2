#include "fetch.hpp"

#include <sodium.h>

#include <algorithm>
#include <thread>

namespace keyhold::sync {
namespace {

bool worth_retrying(long status) { return status == 429 || status == 500 || status == 502 || status == 503 || status == 504; }

// Full jitter (AWS architecture blog, "Exponential Backoff And Jitter"): a fleet of machines
// syncing on one timer does not come back at the same instant.
std::chrono::milliseconds backoff(const SyncSettings& settings, int retry) {
    const auto ceiling = settings.first_backoff * (1LL << std::min(retry, 10));
    const auto capped = std::min<std::chrono::milliseconds>(ceiling, settings.longest_wait);
    const auto half = capped.count() / 2;
    return std::chrono::milliseconds(half + randombytes_uniform(static_cast<std::uint32_t>(half + 1)));
}

}  // namespace

std::expected<HttpResponse, TransportError> fetch_with_retries(const HttpRequest& request,
                                                               const SyncSettings& settings, Deadline deadline) {
    using std::chrono::milliseconds;
    const auto time_left = [&] {
        return std::chrono::duration_cast<milliseconds>(deadline - std::chrono::steady_clock::now());
    };
    HttpRequest bounded = request;
    for (int attempt = 1;; ++attempt) {
        const milliseconds left = time_left();
        if (left <= milliseconds::zero()) {  // libcurl reads a timeout of 0 as "none"
            return std::unexpected(TransportError{"the source's time (--timeout) ran out before an answer", false});
        }
        bounded.total_timeout = std::min(request.total_timeout, left);
        bounded.connect_timeout = std::min(request.connect_timeout, left);
        auto response = perform(bounded);
        const bool last = attempt >= settings.max_attempts;
        if (!response) {
            if (last || !response.error().transient) {
                return response;
            }
        } else if (last || !worth_retrying(response->status)) {
            return response;
        }
        milliseconds wait = backoff(settings, attempt - 1);
        if (response && response->retry_after) {
            wait = std::min<milliseconds>(*response->retry_after, settings.longest_wait);
        }
        if (wait >= time_left()) {
            return response;  // no time for another try: what the server said last is the answer
        }
        std::this_thread::sleep_for(wait);
    }
}

}  // namespace keyhold::sync
