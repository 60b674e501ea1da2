#include "common/passphrase_protector.hpp"

#include <fcntl.h>
#include <unistd.h>

#include "support/catch.hpp"

#include "keyhold/crypto/aead.hpp"
#include "support/test_support.hpp"

using namespace keyhold;
using testing::ScopedEnv;

namespace {

const platform::StoreIdentity kStore{"00112233445566778899aabbccddeeff", "/tmp/keyhold-test"};

std::vector<unsigned char> protect(const crypto::SecureBuffer& key) {
    auto params = platform::make_passphrase_protector()->protect(kStore, key, 1, platform::NewKeyFor::new_store);
    REQUIRE(params);
    return *params;
}

}  // namespace

TEST_CASE("the passphrase protector gives back the key it protected", "[platform][passphrase]") {
    ScopedEnv passphrase("KEYHOLD_PASSPHRASE", "hunter2");
    const crypto::SecureBuffer key = crypto::random_key();
    const auto params = protect(key);
    auto unprotected = platform::make_passphrase_protector()->unprotect(kStore, params);
    REQUIRE(unprotected);
    CHECK(unprotected->data_key.text() == key.text());
    CHECK_FALSE(unprotected->newest_generation);
}

TEST_CASE("the parameters hold no trace of the key or the passphrase", "[platform][passphrase]") {
    ScopedEnv passphrase("KEYHOLD_PASSPHRASE", "hunter2");
    const crypto::SecureBuffer key = crypto::random_key();
    const auto params = protect(key);
    const std::string_view text(reinterpret_cast<const char*>(params.data()), params.size());
    CHECK(text.find(key.text()) == std::string_view::npos);
    CHECK(text.find("hunter2") == std::string_view::npos);
}

TEST_CASE("a wrong passphrase is named as such", "[platform][passphrase]") {
    const crypto::SecureBuffer key = crypto::random_key();
    std::vector<unsigned char> params;
    {
        ScopedEnv passphrase("KEYHOLD_PASSPHRASE", "hunter2");
        params = protect(key);
    }
    ScopedEnv wrong("KEYHOLD_PASSPHRASE", "hunter3");
    auto unprotected = platform::make_passphrase_protector()->unprotect(kStore, params);
    REQUIRE_FALSE(unprotected);
    CHECK(unprotected.error().message ==
          "wrong passphrase for the keyhold store in /tmp/keyhold-test (or its header was altered)");
}

TEST_CASE("a wrapped key does not unwrap for another store", "[platform][passphrase]") {
    ScopedEnv passphrase("KEYHOLD_PASSPHRASE", "hunter2");
    const auto params = protect(crypto::random_key());
    const platform::StoreIdentity other{"ffeeddccbbaa99887766554433221100", "/tmp/keyhold-test"};
    CHECK_FALSE(platform::make_passphrase_protector()->unprotect(other, params));
}

TEST_CASE("Argon2id costs outside the bounds are refused before any work", "[platform][passphrase]") {
    ScopedEnv passphrase("KEYHOLD_PASSPHRASE", "hunter2");
    auto params = protect(crypto::random_key());
    // Layout: version, 16-byte salt, opslimit (u64 LE), memlimit (u64 LE), ...
    SECTION("memory cost of 1 TiB") { params[1 + 16 + 8 + 5] = 0x01; }
    SECTION("operations cost of 2^32") { params[1 + 16 + 4] = 0x01; }
    auto unprotected = platform::make_passphrase_protector()->unprotect(kStore, params);
    REQUIRE_FALSE(unprotected);
    CHECK_THAT(unprotected.error().message, Catch::Contains("outside keyhold's bounds"));
}

TEST_CASE("without KEYHOLD_PASSPHRASE and without a terminal, the error says what to set", "[platform][passphrase]") {
    const crypto::SecureBuffer key = crypto::random_key();
    std::vector<unsigned char> params;
    {
        ScopedEnv passphrase("KEYHOLD_PASSPHRASE", "hunter2");
        params = protect(key);
    }
    ScopedEnv none("KEYHOLD_PASSPHRASE", std::nullopt);
    if (const int tty = ::open("/dev/tty", O_RDONLY | O_CLOEXEC); tty >= 0) {
        ::close(tty);
        WARN("SKIPPED: this test run has a terminal");
        return;
    }
    auto unprotected = platform::make_passphrase_protector()->unprotect(kStore, params);
    REQUIRE_FALSE(unprotected);
    CHECK_THAT(unprotected.error().message, Catch::Contains("set KEYHOLD_PASSPHRASE"));
}

TEST_CASE("an empty passphrase is refused for a new store", "[platform][passphrase]") {
    ScopedEnv passphrase("KEYHOLD_PASSPHRASE", "");
    auto params =
        platform::make_passphrase_protector()->protect(kStore, crypto::random_key(), 1, platform::NewKeyFor::new_store);
    REQUIRE_FALSE(params);
    CHECK_THAT(params.error().message, Catch::Contains("empty passphrase"));
}
