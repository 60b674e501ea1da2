#pragma once
// One org request with retries: exponential backoff with full jitter for 5xx, 429 (honouring
// Retry-After) and dropped connections; every other answer is final. Nothing runs past
// `deadline`: each request's timeouts are cut to what is left, and a wait that would end after
// it is not started (the last answer stands).

#include "keyhold/sync/http_client.hpp"
#include "keyhold/sync/sync_engine.hpp"

namespace keyhold::sync {

// How long to wait before retry number `retry` (0: the first): the backoff, or, when the server
// sent Retry-After, what it asks (cut to longest_wait) plus a random spread of up to half as
// much again, at least 1 s: machines that were answered 429 in the same second do not all come
// back in the same second, and none comes back sooner than asked.
std::chrono::milliseconds wait_before_retry(const SyncSettings& settings, int retry,
                                            std::optional<std::chrono::seconds> retry_after);

std::expected<HttpResponse, TransportError> fetch_with_retries(const HttpRequest& request,
                                                               const SyncSettings& settings, Deadline deadline);

}  // namespace keyhold::sync
