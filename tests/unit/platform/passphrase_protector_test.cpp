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

TEST_CASE("KEYHOLD_PASSPHRASE_FILE gives the passphrase as a file", "[platform][passphrase]") {
    testing::TempDir directory;
    const auto file = directory.path() / "passphrase";
    testing::write_bytes(file, {'h', 'u', 'n', 't', 'e', 'r', '2', '\n'});
    std::filesystem::permissions(file, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    const crypto::SecureBuffer key = crypto::random_key();
    std::vector<unsigned char> params;
    {
        ScopedEnv none("KEYHOLD_PASSPHRASE", std::nullopt);
        ScopedEnv from_file("KEYHOLD_PASSPHRASE_FILE", file.string());
        params = protect(key);
    }
    SECTION("the file's final newline is not part of the passphrase") {
        ScopedEnv passphrase("KEYHOLD_PASSPHRASE", "hunter2");
        auto unprotected = platform::make_passphrase_protector()->unprotect(kStore, params);
        REQUIRE(unprotected);
        CHECK(unprotected->data_key.text() == key.text());
    }
    SECTION("a new key for a re-key comes from KEYHOLD_NEW_PASSPHRASE_FILE") {
        const auto new_file = directory.path() / "new-passphrase";
        testing::write_bytes(new_file, {'s', 'w', 'o', 'r', 'd', 'f', 'i', 's', 'h', '\r', '\n'});
        std::filesystem::permissions(new_file, std::filesystem::perms::owner_read);
        ScopedEnv old_one("KEYHOLD_PASSPHRASE", "hunter2");
        ScopedEnv new_one("KEYHOLD_NEW_PASSPHRASE_FILE", new_file.string());
        const auto rekeyed =
            platform::make_passphrase_protector()->protect(kStore, key, 2, platform::NewKeyFor::rekey);
        REQUIRE(rekeyed);
        ScopedEnv none_new("KEYHOLD_NEW_PASSPHRASE_FILE", std::nullopt);
        ScopedEnv typed("KEYHOLD_PASSPHRASE", "swordfish");
        auto unprotected = platform::make_passphrase_protector()->unprotect(kStore, *rekeyed);
        REQUIRE(unprotected);
        CHECK(unprotected->data_key.text() == key.text());
    }
    SECTION("both the variable and the file: refused, not guessed") {
        ScopedEnv passphrase("KEYHOLD_PASSPHRASE", "hunter2");
        ScopedEnv from_file("KEYHOLD_PASSPHRASE_FILE", file.string());
        auto unprotected = platform::make_passphrase_protector()->unprotect(kStore, params);
        REQUIRE_FALSE(unprotected);
        CHECK(unprotected.error().message == "both KEYHOLD_PASSPHRASE and KEYHOLD_PASSPHRASE_FILE are set; keep one");
    }
    SECTION("a file others can write is refused") {
        std::filesystem::permissions(file, std::filesystem::perms::others_write, std::filesystem::perm_options::add);
        ScopedEnv none("KEYHOLD_PASSPHRASE", std::nullopt);
        ScopedEnv from_file("KEYHOLD_PASSPHRASE_FILE", file.string());
        auto unprotected = platform::make_passphrase_protector()->unprotect(kStore, params);
        REQUIRE_FALSE(unprotected);
        CHECK_THAT(unprotected.error().message, Catch::StartsWith("KEYHOLD_PASSPHRASE_FILE: "));
    }
    SECTION("a file others can read is refused, as ssh refuses such a key") {
        std::filesystem::permissions(file, std::filesystem::perms::group_read | std::filesystem::perms::others_read,
                                     std::filesystem::perm_options::add);
        ScopedEnv none("KEYHOLD_PASSPHRASE", std::nullopt);
        ScopedEnv from_file("KEYHOLD_PASSPHRASE_FILE", file.string());
        auto unprotected = platform::make_passphrase_protector()->unprotect(kStore, params);
        REQUIRE_FALSE(unprotected);
        CHECK(unprotected.error().message == "KEYHOLD_PASSPHRASE_FILE: refusing " + file.string() +
                                                 ": group or others can read it (mode 0644); run `chmod go= " +
                                                 file.string() + "`");
    }
    SECTION("a file that is not there is named") {
        ScopedEnv none("KEYHOLD_PASSPHRASE", std::nullopt);
        ScopedEnv from_file("KEYHOLD_PASSPHRASE_FILE", (directory.path() / "absent").string());
        auto unprotected = platform::make_passphrase_protector()->unprotect(kStore, params);
        REQUIRE_FALSE(unprotected);
        CHECK(unprotected.error().message ==
              "KEYHOLD_PASSPHRASE_FILE names " + (directory.path() / "absent").string() + ", which does not exist");
    }
}
