#include "support/catch.hpp"

#include <thread>

#include "keyhold/crypto/aead.hpp"
#include "keyhold/encoding/hex.hpp"
#include "keyhold/platform/key_cache.hpp"
#include "keyhold/settings.hpp"

using namespace keyhold;
using std::chrono::seconds;

namespace {

std::string fresh_store_id() {
    std::array<unsigned char, 16> id{};
    crypto::fill_random(id);
    return encoding::to_hex(id);
}

// Some sandboxes refuse keyrings; there is no cache there, which is allowed.
bool kernel_keyring_available(const std::string& store_id) {
    platform::cache_key(store_id, crypto::random_key(), 1, kDefaultKeyCacheLifetime);
    const bool available = platform::cached_key(store_id, kDefaultKeyCacheLifetime).has_value();
    platform::drop_cached_key(store_id);
    return available;
}

}  // namespace

TEST_CASE("a cached key comes back with its generation, and is gone once dropped", "[platform][cache]") {
    const seconds lifetime(60);
    const std::string store_id = fresh_store_id();
    if (!kernel_keyring_available(store_id)) {
        WARN("SKIPPED: this kernel or sandbox refuses keyrings");
        return;
    }
    const crypto::SecureBuffer key = crypto::random_key();
    platform::cache_key(store_id, key, 7, lifetime);
    auto cached = platform::cached_key(store_id, lifetime);
    REQUIRE(cached);
    CHECK(cached->data_key.text() == key.text());
    CHECK(cached->newest_generation == 7);

    platform::update_cached_generation(store_id, key, 8);
    CHECK(platform::cached_key(store_id, lifetime)->newest_generation == 8);
    CHECK_FALSE(platform::cached_key(fresh_store_id(), lifetime));

    platform::drop_cached_key(store_id);
    CHECK_FALSE(platform::cached_key(store_id, lifetime));
}

TEST_CASE("a cached key expires after its lifetime, and writes do not extend it", "[platform][cache]") {
    const std::string store_id = fresh_store_id();
    if (!kernel_keyring_available(store_id)) {
        WARN("SKIPPED: this kernel or sandbox refuses keyrings");
        return;
    }
    const seconds lifetime(1);
    const crypto::SecureBuffer key = crypto::random_key();
    platform::cache_key(store_id, key, 1, lifetime);
    REQUIRE(platform::cached_key(store_id, lifetime));
    std::this_thread::sleep_for(std::chrono::milliseconds(600));
    platform::update_cached_generation(store_id, key, 2);
    std::this_thread::sleep_for(std::chrono::milliseconds(900));
    CHECK_FALSE(platform::cached_key(store_id, lifetime));
}

TEST_CASE("a lifetime of 0 turns the cache off", "[platform][cache]") {
    const std::string store_id = fresh_store_id();
    const seconds off(0);
    CHECK_FALSE(platform::key_cache_enabled(off));
    platform::cache_key(store_id, crypto::random_key(), 1, off);
    CHECK_FALSE(platform::cached_key(store_id, off));
    // Nor is a key cached by a caller with the cache on read back by one with it off.
    if (kernel_keyring_available(store_id)) {
        platform::cache_key(store_id, crypto::random_key(), 1, kDefaultKeyCacheLifetime);
        CHECK_FALSE(platform::cached_key(store_id, off));
        platform::drop_cached_key(store_id);
    }
}
