#include "support/catch.hpp"

#include <thread>

#include "keyhold/crypto/aead.hpp"
#include "keyhold/encoding/hex.hpp"
#include "keyhold/platform/key_cache.hpp"
#include "support/test_support.hpp"

using namespace keyhold;
using testing::ScopedEnv;

namespace {

std::string fresh_store_id() {
    std::array<unsigned char, 16> id{};
    crypto::fill_random(id);
    return encoding::to_hex(id);
}

// Some sandboxes refuse keyrings; there is no cache there, which is allowed.
bool kernel_keyring_available(const std::string& store_id) {
    platform::cache_key(store_id, crypto::random_key(), 1);
    const bool available = platform::cached_key(store_id).has_value();
    platform::drop_cached_key(store_id);
    return available;
}

}  // namespace

TEST_CASE("a cached key comes back with its generation, and is gone once dropped", "[platform][cache]") {
    ScopedEnv lifetime("KEYHOLD_KEY_CACHE_SECONDS", "60");
    const std::string store_id = fresh_store_id();
    if (!kernel_keyring_available(store_id)) {
        WARN("SKIPPED: this kernel or sandbox refuses keyrings");
        return;
    }
    const crypto::SecureBuffer key = crypto::random_key();
    platform::cache_key(store_id, key, 7);
    auto cached = platform::cached_key(store_id);
    REQUIRE(cached);
    CHECK(cached->data_key.text() == key.text());
    CHECK(cached->newest_generation == 7);

    platform::update_cached_generation(store_id, key, 8);
    CHECK(platform::cached_key(store_id)->newest_generation == 8);
    CHECK_FALSE(platform::cached_key(fresh_store_id()));

    platform::drop_cached_key(store_id);
    CHECK_FALSE(platform::cached_key(store_id));
}

TEST_CASE("a cached key expires after its lifetime, and writes do not extend it", "[platform][cache]") {
    const std::string store_id = fresh_store_id();
    if (!kernel_keyring_available(store_id)) {
        WARN("SKIPPED: this kernel or sandbox refuses keyrings");
        return;
    }
    ScopedEnv lifetime("KEYHOLD_KEY_CACHE_SECONDS", "1");
    const crypto::SecureBuffer key = crypto::random_key();
    platform::cache_key(store_id, key, 1);
    REQUIRE(platform::cached_key(store_id));
    std::this_thread::sleep_for(std::chrono::milliseconds(600));
    platform::update_cached_generation(store_id, key, 2);
    std::this_thread::sleep_for(std::chrono::milliseconds(900));
    CHECK_FALSE(platform::cached_key(store_id));
}

TEST_CASE("a lifetime of 0 turns the cache off", "[platform][cache]") {
    const std::string store_id = fresh_store_id();
    ScopedEnv off("KEYHOLD_KEY_CACHE_SECONDS", "0");
    platform::cache_key(store_id, crypto::random_key(), 1);
    CHECK_FALSE(platform::cached_key(store_id));
}
