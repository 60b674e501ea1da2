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
                                                               const SyncSettings& settings) {
    for (int attempt = 1;; ++attempt) {
        auto response = perform(request);
        const bool last = attempt >= settings.max_attempts;
        if (!response) {
            if (last || !response.error().transient) {
                return response;
            }
        } else if (last || !worth_retrying(response->status)) {
            return response;
        }
        std::chrono::milliseconds wait = backoff(settings, attempt - 1);
        if (response && response->retry_after) {
            wait = std::min<std::chrono::milliseconds>(*response->retry_after, settings.longest_wait);
        }
        std::this_thread::sleep_for(wait);
    }
}

}  // namespace keyhold::sync
