// The key cache in the Linux kernel's keyring (keyrings(7), keyctl(2)): a "user" key in the
// user's keyring, readable by this user's processes only, expiring on its own. Where the
// kernel refuses keyrings (some container sandboxes), there simply is no cache.

#include <linux/keyctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstring>
#include <ctime>
#include <string>

#include "keyhold/clock.hpp"
#include "keyhold/crypto/aead.hpp"
#include "keyhold/platform/key_cache.hpp"

namespace keyhold::platform {
namespace {

// The key, the newest generation, and when the cache entry ends (unix seconds): updating a
// "user" key's payload clears its kernel timeout, so the end travels with the payload and is
// set again after every update.
constexpr std::size_t kPayloadBytes = crypto::kKeyBytes + 8 + 8;

// Permission bits from keyctl(2): the possessor may do anything; other processes of the same
// user may find and read it (a helper started by docker does not possess the user keyring);
// nobody else may see it at all.
constexpr std::uint32_t kPossessorAll = 0x3f000000;
constexpr std::uint32_t kUserViewReadSearch = 0x00010000 | 0x00020000 | 0x00080000;

std::string description(std::string_view cache_id) { return "keyhold:store-key:" + std::string(cache_id); }

long find_key(std::string_view cache_id) {
    return ::syscall(SYS_keyctl, KEYCTL_SEARCH, KEY_SPEC_USER_KEYRING, "user", description(cache_id).c_str(), 0);
}

void put_u64(unsigned char* out, std::uint64_t value) {
    for (int i = 0; i < 8; ++i) {
        out[i] = static_cast<unsigned char>(value >> (8 * i));
    }
}

std::uint64_t get_u64(const unsigned char* in) {
    std::uint64_t value = 0;
    for (int i = 0; i < 8; ++i) {
        value |= std::uint64_t{in[i]} << (8 * i);
    }
    return value;
}

crypto::SecureBuffer payload(const crypto::SecureBuffer& data_key, std::uint64_t generation, std::int64_t ends_at) {
    crypto::SecureBuffer bytes(kPayloadBytes);
    std::memcpy(bytes.data(), data_key.data(), crypto::kKeyBytes);
    put_u64(bytes.data() + crypto::kKeyBytes, generation);
    put_u64(bytes.data() + crypto::kKeyBytes + 8, static_cast<std::uint64_t>(ends_at));
    return bytes;
}

struct CacheEntry {
    long key = -1;
    CachedKey cached;
    std::int64_t ends_at = 0;
};

std::optional<CacheEntry> read_entry(std::string_view cache_id) {
    const long key = find_key(cache_id);
    if (key < 0) {
        return std::nullopt;
    }
    crypto::SecureBuffer bytes(kPayloadBytes);
    const long length = ::syscall(SYS_keyctl, KEYCTL_READ, key, bytes.data(), bytes.size());
    if (length != static_cast<long>(kPayloadBytes)) {
        return std::nullopt;
    }
    CacheEntry entry{key, {crypto::SecureBuffer::copy_of(bytes.bytes().first(crypto::kKeyBytes)), 0}, 0};
    entry.cached.newest_generation = get_u64(bytes.data() + crypto::kKeyBytes);
    entry.ends_at = static_cast<std::int64_t>(get_u64(bytes.data() + crypto::kKeyBytes + 8));
    if (entry.ends_at <= unix_now()) {
        ::syscall(SYS_keyctl, KEYCTL_INVALIDATE, key);
        return std::nullopt;
    }
    return entry;
}

}  // namespace

bool key_cache_enabled(std::chrono::seconds lifetime) { return lifetime.count() > 0; }

std::optional<CachedKey> cached_key(std::string_view cache_id, std::chrono::seconds lifetime) {
    if (!key_cache_enabled(lifetime)) {
        return std::nullopt;
    }
    auto entry = read_entry(cache_id);
    if (!entry) {
        return std::nullopt;
    }
    return std::move(entry->cached);
}

void cache_key(std::string_view cache_id, const crypto::SecureBuffer& data_key, std::uint64_t newest_generation,
               std::chrono::seconds lifetime) {
    if (!key_cache_enabled(lifetime)) {
        return;  // off for this caller only: other processes' cache stays (`keyhold lock` drops it)
    }
    const crypto::SecureBuffer bytes = payload(data_key, newest_generation, unix_now() + lifetime.count());
    const long key = ::syscall(SYS_add_key, "user", description(cache_id).c_str(), bytes.data(), bytes.size(),
                               KEY_SPEC_USER_KEYRING);
    if (key < 0) {
        return;  // no keyring here: every call asks the protector
    }
    ::syscall(SYS_keyctl, KEYCTL_SETPERM, key, kPossessorAll | kUserViewReadSearch);
    ::syscall(SYS_keyctl, KEYCTL_SET_TIMEOUT, key, static_cast<unsigned>(lifetime.count()));
}

void update_cached_generation(std::string_view cache_id, const crypto::SecureBuffer& data_key,
                              std::uint64_t newest_generation) {
    auto entry = read_entry(cache_id);
    if (!entry) {
        return;
    }
    const crypto::SecureBuffer bytes = payload(data_key, newest_generation, entry->ends_at);
    ::syscall(SYS_keyctl, KEYCTL_UPDATE, entry->key, bytes.data(), bytes.size());
    // The update cleared the timeout: what is left of the lifetime, again.
    const std::int64_t left = entry->ends_at - unix_now();
    if (left <= 0) {
        ::syscall(SYS_keyctl, KEYCTL_INVALIDATE, entry->key);
        return;
    }
    ::syscall(SYS_keyctl, KEYCTL_SET_TIMEOUT, entry->key, static_cast<unsigned>(left));
}

void drop_cached_key(std::string_view cache_id) {
    const long key = find_key(cache_id);
    if (key >= 0) {
        ::syscall(SYS_keyctl, KEYCTL_INVALIDATE, key);
    }
}

}  // namespace keyhold::platform
