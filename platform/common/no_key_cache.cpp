// Where the OS has no kernel keyring (macOS, Windows) there is no short-lived key cache: every
// use of the store asks its protector, whose keychain (Keychain, DPAPI) answers in-process and
// without a prompt, so the cache would buy little and hold the key where the keychain does not.

#include "keyhold/platform/key_cache.hpp"

namespace keyhold::platform {

bool key_cache_enabled(std::chrono::seconds) { return false; }

std::optional<CachedKey> cached_key(std::string_view, std::chrono::seconds) { return std::nullopt; }

void cache_key(std::string_view, const crypto::SecureBuffer&, std::uint64_t, std::chrono::seconds) {}

void update_cached_generation(std::string_view, const crypto::SecureBuffer&, std::uint64_t) {}

void drop_cached_key(std::string_view) {}

}  // namespace keyhold::platform
