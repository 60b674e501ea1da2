// The key cache in the Linux kernel's keyring (keyrings(7), keyctl(2)): a "user" key in the
// user's keyring, readable by this user's processes only, expiring on its own. Where the
// kernel refuses keyrings (some container sandboxes), there simply is no cache.

#include <linux/keyctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <charconv>
#include <cstdlib>
#include <cstring>
#include <string>

#include "keyhold/crypto/aead.hpp"
#include "keyhold/platform/key_cache.hpp"

namespace keyhold::platform {
namespace {

constexpr long kDefaultLifetimeSeconds = 900;
constexpr std::size_t kPayloadBytes = crypto::kKeyBytes + 8;

// Permission bits from keyctl(2): the possessor may do anything; other processes of the same
// user may find and read it (a helper started by docker does not possess the user keyring);
// nobody else may see it at all.
constexpr std::uint32_t kPossessorAll = 0x3f000000;
constexpr std::uint32_t kUserViewReadSearch = 0x00010000 | 0x00020000 | 0x00080000;

long lifetime_seconds() {
    const char* configured = std::getenv("KEYHOLD_KEY_CACHE_SECONDS");
    if (configured == nullptr || *configured == '\0') {
        return kDefaultLifetimeSeconds;
    }
    long seconds = 0;
    const std::string_view text(configured);
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), seconds);
    return error == std::errc() && end == text.data() + text.size() && seconds >= 0 ? seconds : 0;
}

std::string description(std::string_view store_id) { return "keyhold:store-key:" + std::string(store_id); }

long find_key(std::string_view store_id) {
    return ::syscall(SYS_keyctl, KEYCTL_SEARCH, KEY_SPEC_USER_KEYRING, "user", description(store_id).c_str(), 0);
}

crypto::SecureBuffer payload(const crypto::SecureBuffer& data_key, std::uint64_t generation) {
    crypto::SecureBuffer bytes(kPayloadBytes);
    std::memcpy(bytes.data(), data_key.data(), crypto::kKeyBytes);
    for (int i = 0; i < 8; ++i) {
        bytes.data()[crypto::kKeyBytes + i] = static_cast<unsigned char>(generation >> (8 * i));
    }
    return bytes;
}

}  // namespace

std::optional<CachedKey> cached_key(std::string_view store_id) {
    if (lifetime_seconds() == 0) {
        return std::nullopt;
    }
    const long key = find_key(store_id);
    if (key < 0) {
        return std::nullopt;
    }
    crypto::SecureBuffer bytes(kPayloadBytes);
    const long length = ::syscall(SYS_keyctl, KEYCTL_READ, key, bytes.data(), bytes.size());
    if (length != static_cast<long>(kPayloadBytes)) {
        return std::nullopt;
    }
    CachedKey cached{crypto::SecureBuffer::copy_of(bytes.bytes().first(crypto::kKeyBytes)), 0};
    for (int i = 0; i < 8; ++i) {
        cached.newest_generation |= std::uint64_t{bytes.data()[crypto::kKeyBytes + i]} << (8 * i);
    }
    return cached;
}

void cache_key(std::string_view store_id, const crypto::SecureBuffer& data_key, std::uint64_t newest_generation) {
    const long lifetime = lifetime_seconds();
    if (lifetime == 0) {
        drop_cached_key(store_id);
        return;
    }
    const crypto::SecureBuffer bytes = payload(data_key, newest_generation);
    const long key = ::syscall(SYS_add_key, "user", description(store_id).c_str(), bytes.data(), bytes.size(),
                               KEY_SPEC_USER_KEYRING);
    if (key < 0) {
        return;  // no keyring here: every call asks the protector
    }
    ::syscall(SYS_keyctl, KEYCTL_SETPERM, key, kPossessorAll | kUserViewReadSearch);
    ::syscall(SYS_keyctl, KEYCTL_SET_TIMEOUT, key, static_cast<unsigned>(lifetime));
}

void update_cached_generation(std::string_view store_id, const crypto::SecureBuffer& data_key,
                              std::uint64_t newest_generation) {
    const long key = find_key(store_id);
    if (key < 0) {
        return;
    }
    const crypto::SecureBuffer bytes = payload(data_key, newest_generation);
    // KEYCTL_UPDATE keeps the key's expiry: writes do not extend the cache's lifetime.
    ::syscall(SYS_keyctl, KEYCTL_UPDATE, key, bytes.data(), bytes.size());
}

void drop_cached_key(std::string_view store_id) {
    const long key = find_key(store_id);
    if (key >= 0) {
        ::syscall(SYS_keyctl, KEYCTL_INVALIDATE, key);
    }
}

}  // namespace keyhold::platform
