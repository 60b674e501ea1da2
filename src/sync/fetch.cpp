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

std::chrono::milliseconds uniform(std::chrono::milliseconds from, std::chrono::milliseconds spread) {
    return from + std::chrono::milliseconds(randombytes_uniform(static_cast<std::uint32_t>(spread.count() + 1)));
}

}  // namespace

std::chrono::milliseconds wait_before_retry(const SyncSettings& settings, int retry,
                                            std::optional<std::chrono::seconds> retry_after) {
    if (!retry_after) {
        return backoff(settings, retry);
    }
    // A server that rate-limits a fleet answers 429 with one Retry-After to every machine of a
    // busy second; waiting exactly that long brings them all back in one second again.
    // Compared in seconds: a huge Retry-After in milliseconds would overflow (and wrap negative).
    const std::chrono::milliseconds asked =
        *retry_after >= settings.longest_wait ? std::chrono::milliseconds(settings.longest_wait) : *retry_after;
    const std::chrono::milliseconds spread = std::max<std::chrono::milliseconds>(asked / 2, std::chrono::seconds(1));
    return uniform(asked, spread);
}

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
        const milliseconds wait =
            wait_before_retry(settings, attempt - 1, response ? response->retry_after : std::nullopt);
        if (wait >= time_left()) {
            return response;  // no time for another try: what the server said last is the answer
        }
        std::this_thread::sleep_for(wait);
    }
}

}  // namespace keyhold::sync
