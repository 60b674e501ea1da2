#pragma once
// A short-lived cache of unwrapped data keys, held by the operating system for this user (on
// Linux: the kernel's user keyring), so that most helper calls need no keychain round trip
// (D-Bus for the Secret Service, Argon2id for a passphrase). The lifetime counts from the
// unlock; writes refresh the cached generation, not the lifetime. The lifetime is the caller's
// (Settings::key_cache_lifetime, from KEYHOLD_KEY_CACHE_SECONDS); 0 turns the cache off for
// that caller (docs/threat-model.md).

#include <chrono>
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

// Whether a caller with this lifetime uses the cache: not 0, and the OS has one.
bool key_cache_enabled(std::chrono::seconds lifetime);

// Entries are named by StoreIdentity::copy_id(): the cached newest generation of one copy of a
// store directory is never taken for another copy's. Nothing when `lifetime` is 0: a caller
// with the cache off asks the protector.
std::optional<CachedKey> cached_key(std::string_view cache_id, std::chrono::seconds lifetime);

// Caches a key just unlocked from its protector, for `lifetime`; nothing when it is 0.
void cache_key(std::string_view cache_id, const crypto::SecureBuffer& data_key, std::uint64_t newest_generation,
               std::chrono::seconds lifetime);

// After a write: the cached key's newest generation, if it is cached; the lifetime stays.
void update_cached_generation(std::string_view cache_id, const crypto::SecureBuffer& data_key,
                              std::uint64_t newest_generation);

void drop_cached_key(std::string_view cache_id);

}  // namespace keyhold::platform
