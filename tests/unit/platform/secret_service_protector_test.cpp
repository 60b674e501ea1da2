// Runs against a real Secret Service: ctest starts these inside the gnome-keyring fixture
// (tests/fixtures/secret-service.sh); the [no-bus] cases run anywhere.

#include "linux/secret_service_protector.hpp"

#include "support/catch.hpp"
#include <chrono>

#include "keyhold/crypto/aead.hpp"
#include "keyhold/store/store.hpp"
#include "support/test_support.hpp"

using namespace keyhold;
using testing::read_bytes;
using testing::ScopedEnv;
using testing::TempDir;
using testing::write_bytes;

namespace {

platform::StoreIdentity fresh_identity() {
    std::array<unsigned char, 16> id{};
    crypto::fill_random(id);
    return {store::to_hex(id), "/tmp/keyhold-secret-service-test"};
}

void put_and_commit(const store::StoreLocation& location, std::string_view secret) {
    auto transaction = store::Transaction::begin(location, store::WhenMissing::fail);
    REQUIRE(transaction);
    store::Entry entry;
    entry.key = entry.label = "ghcr.io";
    entry.username = "alice";
    entry.secret = crypto::SecretView(secret);
    transaction->put(entry, 1);
    REQUIRE(transaction->commit());
}

}  // namespace

TEST_CASE("the Secret Service gives back the key and the generation it was given", "[secret-service]") {
    auto protector = platform::make_secret_service_protector();
    const auto store = fresh_identity();
    const crypto::SecureBuffer key = crypto::random_key();
    auto params = protector->protect(store, key, 1, platform::NewKeyFor::new_store);
    REQUIRE(params);
    CHECK(params->size() == 16);  // the item's key id

    auto unprotected = protector->unprotect(store, *params);
    REQUIRE(unprotected);
    CHECK(unprotected->data_key.text() == key.text());
    CHECK(unprotected->newest_generation == 1);

    REQUIRE(protector->record_generation(store, *params, key, 42));
    CHECK(protector->unprotect(store, *params)->newest_generation == 42);
    REQUIRE(protector->forget(store, *params));
}

TEST_CASE("a store whose key the Secret Service does not hold is named", "[secret-service]") {
    auto protector = platform::make_secret_service_protector();
    const auto store = fresh_identity();
    auto params = protector->protect(store, crypto::random_key(), 1, platform::NewKeyFor::new_store);
    REQUIRE(params);
    REQUIRE(protector->forget(store, *params));
    auto unprotected = protector->unprotect(store, *params);
    REQUIRE_FALSE(unprotected);
    CHECK_THAT(unprotected.error().message, Catch::Contains("holds no key for the keyhold store"));
}

TEST_CASE("two keys of one store are two items: forgetting the old one keeps the new", "[secret-service]") {
    auto protector = platform::make_secret_service_protector();
    const auto store = fresh_identity();
    const crypto::SecureBuffer old_key = crypto::random_key();
    const crypto::SecureBuffer new_key = crypto::random_key();
    auto old_params = protector->protect(store, old_key, 7, platform::NewKeyFor::new_store);
    auto new_params = protector->protect(store, new_key, 8, platform::NewKeyFor::new_store);
    REQUIRE(old_params);
    REQUIRE(new_params);
    CHECK(*old_params != *new_params);
    CHECK(protector->unprotect(store, *old_params)->data_key.text() == old_key.text());

    REQUIRE(protector->forget(store, *old_params));
    CHECK_FALSE(protector->unprotect(store, *old_params));
    auto unprotected = protector->unprotect(store, *new_params);
    REQUIRE(unprotected);
    CHECK(unprotected->data_key.text() == new_key.text());
    CHECK(unprotected->newest_generation == 8);
    REQUIRE(protector->forget(store, *new_params));
}

TEST_CASE("after a re-key only the current key stays, whatever earlier re-keys left", "[secret-service]") {
    auto protector = platform::make_secret_service_protector();
    const auto store = fresh_identity();
    const auto other_store = fresh_identity();
    std::vector<std::vector<unsigned char>> keys;
    for (int i = 0; i < 3; ++i) {
        auto params = protector->protect(store, crypto::random_key(), 1, platform::NewKeyFor::rekey);
        REQUIRE(params);
        keys.push_back(*params);
    }
    auto unrelated = protector->protect(other_store, crypto::random_key(), 1, platform::NewKeyFor::new_store);
    REQUIRE(unrelated);
    const platform::StoreIdentity copy{store.store_id, "/tmp/keyhold-secret-service-test-copy"};  // same store id
    auto copy_key = protector->protect(copy, crypto::random_key(), 1, platform::NewKeyFor::rekey);
    REQUIRE(copy_key);

    REQUIRE(protector->forget_all_but(store, keys[1]));
    CHECK_FALSE(protector->unprotect(store, keys[0]));
    CHECK(protector->unprotect(store, keys[1]));
    CHECK_FALSE(protector->unprotect(store, keys[2]));
    CHECK(protector->unprotect(other_store, *unrelated));  // another store's key is not touched

    const std::vector<unsigned char> passphrase_params(105, 1);  // the key moved to another protector
    REQUIRE(protector->forget_all_but(store, passphrase_params));
    CHECK_FALSE(protector->unprotect(store, keys[1]));
    CHECK(protector->unprotect(other_store, *unrelated));
    CHECK(protector->unprotect(copy, *copy_key));  // a copy of the store in another directory keeps its key
    REQUIRE(protector->forget(other_store, *unrelated));
    REQUIRE(protector->forget(copy, *copy_key));
}

TEST_CASE("recording a generation never brings back a forgotten key", "[secret-service]") {
    auto protector = platform::make_secret_service_protector();
    const auto store = fresh_identity();
    const crypto::SecureBuffer key = crypto::random_key();
    auto params = protector->protect(store, key, 1, platform::NewKeyFor::new_store);
    REQUIRE(params);
    REQUIRE(protector->forget(store, *params));
    CHECK_FALSE(protector->record_generation(store, *params, key, 2));
    CHECK_FALSE(protector->unprotect(store, *params));
}

TEST_CASE("secret-service header parameters of the wrong size are reported as damaged", "[no-bus]") {
    const std::vector<unsigned char> legacy;  // what no released keyhold wrote, and no key id
    auto unprotected = platform::make_secret_service_protector()->unprotect(fresh_identity(), legacy);
    REQUIRE_FALSE(unprotected);
    CHECK_THAT(unprotected.error().message,
               Catch::Contains("secret-service parameters") && Catch::Contains("are damaged"));
}

TEST_CASE("a whole store file rolled back to an older generation is refused", "[secret-service][tamper]") {
    TempDir temp;
    const store::StoreLocation location{temp.path() / "keyhold"};
    REQUIRE(store::create_store(location, "secret-service"));
    put_and_commit(location, "first");
    const auto older = read_bytes(location.store_file());
    put_and_commit(location, "second");

    write_bytes(location.store_file(), older);
    auto opened = store::open_store(location);
    REQUIRE_FALSE(opened);
    CHECK_THAT(opened.error().message, Catch::Contains("was rolled back: it is generation 2 but generation 3"));
    CHECK_FALSE(store::Transaction::begin(location, store::WhenMissing::fail));
    CHECK(read_bytes(location.store_file()) == older);
}

TEST_CASE("a store moves from a passphrase to the Secret Service and back, its entries intact", "[secret-service]") {
    TempDir temp;
    const store::StoreLocation location{temp.path() / "keyhold", std::chrono::seconds(0)};  // no key cache
    ScopedEnv passphrase("KEYHOLD_PASSPHRASE", "moving passphrase");
    REQUIRE(store::create_store(location, "passphrase"));
    put_and_commit(location, "kept across both moves");

    const auto rekey = [&](std::string_view protector) {
        auto transaction = store::Transaction::begin(location, store::WhenMissing::fail);
        REQUIRE(transaction);
        REQUIRE(transaction->replace_key(protector));
        REQUIRE(transaction->commit());
        REQUIRE(transaction->retire_replaced_key());
    };
    const auto header = [&] {
        auto read = store::read_store_header(location);
        REQUIRE(read);
        REQUIRE(*read);
        return **read;
    };
    const auto only_secret = [&] {
        auto opened = store::open_store(location);
        REQUIRE(opened);
        REQUIRE(*opened);
        REQUIRE((*opened)->entries.size() == 1);
        return std::string((*opened)->entries[0].secret.expose());
    };

    rekey("secret-service");
    const store::StoreHeader in_keyring = header();
    CHECK(in_keyring.protector == "secret-service");
    {
        ScopedEnv no_passphrase("KEYHOLD_PASSPHRASE", std::nullopt);  // the keyring alone opens it now
        CHECK(only_secret() == "kept across both moves");
    }

    rekey("secret-service");  // a new key in the same keyring: the old item goes
    const store::StoreHeader rekeyed = header();
    const platform::StoreIdentity identity{store::to_hex(rekeyed.store_id), location.directory};
    CHECK(rekeyed.protector_params != in_keyring.protector_params);
    CHECK_FALSE(platform::make_secret_service_protector()->unprotect(identity, in_keyring.protector_params));
    CHECK(only_secret() == "kept across both moves");

    rekey("passphrase");
    CHECK(header().protector == "passphrase");
    CHECK_FALSE(platform::make_secret_service_protector()->unprotect(identity, rekeyed.protector_params));
    CHECK(only_secret() == "kept across both moves");
}

TEST_CASE("the first store picks the Secret Service when one answers", "[secret-service]") {
    TempDir temp;
    const store::StoreLocation location{temp.path() / "keyhold"};
    auto transaction = store::Transaction::begin(location, store::WhenMissing::create_with_default_protector);
    REQUIRE(transaction);
    auto header = store::read_store_header(location);
    REQUIRE(header);
    REQUIRE(*header);
    CHECK((*header)->protector == "secret-service");
}

TEST_CASE("without a session bus the Secret Service fails at once with a reason", "[no-bus]") {
    ScopedEnv no_bus("DBUS_SESSION_BUS_ADDRESS", std::nullopt);
    ScopedEnv no_runtime("XDG_RUNTIME_DIR", std::nullopt);
    const auto start = std::chrono::steady_clock::now();
    const std::vector<unsigned char> params(16, 0x5a);
    auto unprotected = platform::make_secret_service_protector()->unprotect(fresh_identity(), params);
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::milliseconds(200));
    REQUIRE_FALSE(unprotected);
    CHECK_THAT(unprotected.error().message, Catch::Contains("no D-Bus session bus"));
    CHECK_THAT(unprotected.error().message, Catch::Contains("keyhold init --backend passphrase"));
}

TEST_CASE("a session bus without a Secret Service fails at once with a reason", "[no-secret-service]") {
    const auto start = std::chrono::steady_clock::now();
    auto answers = platform::secret_service_answers();
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::milliseconds(900));
    REQUIRE_FALSE(answers);
    CHECK_THAT(answers.error().message, Catch::Contains("no Secret Service (org.freedesktop.secrets) runs"));
}

// Linux: the default protector is the Secret Service, which may be absent.
TEST_CASE("the first store without init and without a Secret Service says how to init", "[store]") {
    TempDir temp;
    ScopedEnv no_bus("DBUS_SESSION_BUS_ADDRESS", std::nullopt);
    ScopedEnv no_runtime("XDG_RUNTIME_DIR", std::nullopt);
    const store::StoreLocation location{temp.path() / "keyhold"};
    auto transaction = store::Transaction::begin(location, store::WhenMissing::create_with_default_protector);
    REQUIRE_FALSE(transaction);
    CHECK_THAT(transaction.error().message, Catch::Contains("keyhold init --backend passphrase"));
    CHECK_FALSE(std::filesystem::exists(location.store_file()));
}

// `keyhold unlock`'s call, against gnome-keyring's real unlock prompt (gcr-prompter under Xvfb):
// tests/integration/secret_service_unlock.sh locks the keyring, runs one of these and answers
// the dialog, dismisses it or leaves it ([unlock]: the fixture run of [secret-service] skips them).
TEST_CASE("unlock: the keyring's own prompt, answered, unlocks the default keyring",
          "[secret-service][unlock][unlock-answered]") {
    auto unlocked = platform::unlock_secret_service_collection(std::chrono::seconds(30));
    INFO((unlocked ? std::string() : unlocked.error().message));
    REQUIRE(unlocked);
    CHECK(platform::secret_service_answers());
}

TEST_CASE("unlock: a dismissed prompt leaves the keyring locked and says so",
          "[secret-service][unlock][unlock-dismissed]") {
    auto unlocked = platform::unlock_secret_service_collection(std::chrono::seconds(30));
    REQUIRE_FALSE(unlocked);
    CHECK_THAT(unlocked.error().message, Catch::Contains("still locked") && Catch::Contains("dismissed"));
    auto answers = platform::secret_service_answers();
    REQUIRE_FALSE(answers);
    CHECK_THAT(answers.error().message, Catch::Contains("is locked") && Catch::Contains("keyhold unlock"));
}

TEST_CASE("unlock: a prompt nobody answers ends at its deadline", "[secret-service][unlock][unlock-unanswered]") {
    const auto start = std::chrono::steady_clock::now();
    auto unlocked = platform::unlock_secret_service_collection(std::chrono::milliseconds(1500));
    const auto took = std::chrono::steady_clock::now() - start;
    REQUIRE_FALSE(unlocked);
    CHECK_THAT(unlocked.error().message,
               Catch::Contains("still locked") && Catch::Contains("not answered within 1500 ms"));
    CHECK(took >= std::chrono::milliseconds(1500));
    CHECK(took < std::chrono::milliseconds(4000));
}

TEST_CASE("unlock: an unlocked keyring needs no prompt", "[secret-service][unlock][unlock-not-needed]") {
    const auto start = std::chrono::steady_clock::now();
    auto unlocked = platform::unlock_secret_service_collection(std::chrono::seconds(30));
    REQUIRE(unlocked);
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::milliseconds(1000));
}
