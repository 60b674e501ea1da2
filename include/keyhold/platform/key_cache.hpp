#pragma once
// A short-lived cache of unwrapped data keys, held by the operating system for this user (on
// Linux: the kernel's user keyring), so that most helper calls need no keychain round trip
// (D-Bus for the Secret Service, Argon2id for a passphrase). The lifetime counts from the
// unlock; writes refresh the cached generation, not the lifetime. Off with
// KEYHOLD_KEY_CACHE_SECONDS=0 (docs/threat-model.md).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "keyhold/crypto/secure_buffer.hpp"
#include "keyhold/platform/key_protector.hpp"

namespace keyhold::platform {

struct CachedKey {
    crypto::SecureBuffer data_key;
    std::uint64_t newest_generation = 0;
};

// Whether this process uses the cache (KEYHOLD_KEY_CACHE_SECONDS is not 0).
bool key_cache_enabled();

// Entries are named by StoreIdentity::copy_id(): the cached newest generation of one copy of a
// store directory is never taken for another copy's.
std::optional<CachedKey> cached_key(std::string_view cache_id);

// Caches a key just unlocked from its protector, for the configured lifetime.
void cache_key(std::string_view cache_id, const crypto::SecureBuffer& data_key, std::uint64_t newest_generation);

// After a write: the cached key's newest generation, if it is cached; the lifetime stays.
void update_cached_generation(std::string_view cache_id, const crypto::SecureBuffer& data_key,
                              std::uint64_t newest_generation);

void drop_cached_key(std::string_view cache_id);

}  // namespace keyhold::platform
