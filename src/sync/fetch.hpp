#pragma once
// One org request with retries: exponential backoff with full jitter for 5xx, 429 (honouring
// Retry-After) and dropped connections; every other answer is final.

#include "keyhold/sync/http_client.hpp"
#include "keyhold/sync/sync_engine.hpp"

namespace keyhold::sync {

std::expected<HttpResponse, TransportError> fetch_with_retries(const HttpRequest& request,
                                                               const SyncSettings& settings);

}  // namespace keyhold::sync
