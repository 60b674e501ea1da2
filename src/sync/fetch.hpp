#pragma once
// One org request with retries: exponential backoff with full jitter for 5xx, 429 (honouring
// Retry-After) and dropped connections; every other answer is final. Nothing runs past
// `deadline`: each request's timeouts are cut to what is left, and a wait that would end after
// it is not started (the last answer stands).

#include "keyhold/sync/http_client.hpp"
#include "keyhold/sync/sync_engine.hpp"

namespace keyhold::sync {

std::expected<HttpResponse, TransportError> fetch_with_retries(const HttpRequest& request,
                                                               const SyncSettings& settings, Deadline deadline);

}  // namespace keyhold::sync
