#include "keyhold/store/store.hpp"

#include "support/catch.hpp"

#include "keyhold/crypto/secret.hpp"
#include "keyhold/store/format.hpp"
#include "support/passphrase_store.hpp"
#include "support/test_support.hpp"

using namespace keyhold;
using store::Entry;
using store::EntryKind;
using store::StoreLocation;
using store::Transaction;
using store::WhenMissing;
using testing::read_bytes;
using testing::ScopedEnv;
using testing::TempDir;
using testing::write_bytes;

namespace {

using PassphraseStore = testing::TempPassphraseStore;

Entry registry_entry(std::string_view key, std::string_view username, std::string_view secret) {
    Entry entry;
    entry.kind = EntryKind::registry;
    entry.key = key;
    entry.label = key;
    entry.username = username;
    entry.secret = crypto::SecretView(secret);
    return entry;
}

void put_and_commit(const StoreLocation& location, const Entry& entry) {
    auto transaction = Transaction::begin(location, WhenMissing::fail);
    REQUIRE(transaction);
    transaction->put(entry, 1000);
    REQUIRE(transaction->commit());
}

std::uint64_t generation(const StoreLocation& location) {
    auto header = store::read_store_header(location);
    REQUIRE(header);
    REQUIRE(*header);
    return (*header)->generation;
}

// What opening the store says, or "" when it opens.
std::string open_error(const StoreLocation& location) {
    auto opened = store::open_store(location);
    return opened ? std::string() : opened.error().message;
}

}  // namespace

TEST_CASE("a new store is an empty store", "[store]") {
    PassphraseStore fixture;
    auto opened = store::open_store(fixture.location);
    REQUIRE(opened);
    REQUIRE(*opened);
    CHECK((*opened)->entries.empty());
    CHECK((*opened)->header.protector == "passphrase");
    CHECK(generation(fixture.location) == 1);
}

TEST_CASE("creating a store where one exists fails and keeps the old one", "[store]") {
    PassphraseStore fixture;
    const auto before = read_bytes(fixture.location.store_file());
    auto again = store::create_store(fixture.location, "passphrase");
    REQUIRE_FALSE(again);
    CHECK_THAT(again.error().message, Catch::Contains("already exists"));
    CHECK(read_bytes(fixture.location.store_file()) == before);
}

TEST_CASE("what a transaction puts is there when the store is reopened", "[store]") {
    PassphraseStore fixture;
    put_and_commit(fixture.location, registry_entry("ghcr.io", "alice", "s3cret"));
    auto opened = store::open_store(fixture.location);
    REQUIRE(opened);
    REQUIRE((*opened)->entries.size() == 1);
    const Entry& entry = (*opened)->entries[0];
    CHECK(entry.key == "ghcr.io");
    CHECK(entry.username == "alice");
    CHECK(entry.secret.expose() == "s3cret");
    CHECK(entry.from_user());
    CHECK(generation(fixture.location) == 2);
}

TEST_CASE("putting what is already stored writes nothing", "[store]") {
    PassphraseStore fixture;
    put_and_commit(fixture.location, registry_entry("ghcr.io", "alice", "s3cret"));
    const auto before = read_bytes(fixture.location.store_file());
    auto transaction = Transaction::begin(fixture.location, WhenMissing::fail);
    REQUIRE(transaction);
    CHECK_FALSE(transaction->put(registry_entry("ghcr.io", "alice", "s3cret"), 2000));
    REQUIRE(transaction->commit());
    CHECK(read_bytes(fixture.location.store_file()) == before);
}

TEST_CASE("a changed secret replaces the entry and keeps its creation time", "[store]") {
    PassphraseStore fixture;
    put_and_commit(fixture.location, registry_entry("ghcr.io", "alice", "old"));
    {
        auto transaction = Transaction::begin(fixture.location, WhenMissing::fail);
        REQUIRE(transaction);
        CHECK(transaction->put(registry_entry("ghcr.io", "alice", "new"), 5000));
        REQUIRE(transaction->commit());
    }
    auto opened = store::open_store(fixture.location);
    REQUIRE(opened);
    REQUIRE((*opened)->entries.size() == 1);
    CHECK((*opened)->entries[0].secret.expose() == "new");
    CHECK((*opened)->entries[0].created_at == 1000);
    CHECK((*opened)->entries[0].updated_at == 5000);
}

TEST_CASE("removing an entry removes only that entry", "[store]") {
    PassphraseStore fixture;
    put_and_commit(fixture.location, registry_entry("a.example", "a", "1"));
    put_and_commit(fixture.location, registry_entry("b.example", "b", "2"));
    auto transaction = Transaction::begin(fixture.location, WhenMissing::fail);
    REQUIRE(transaction);
    CHECK(transaction->remove(EntryKind::registry, "a.example", store::kUserOrigin));
    CHECK_FALSE(transaction->remove(EntryKind::registry, "missing.example", store::kUserOrigin));
    REQUIRE(transaction->commit());
    auto opened = store::open_store(fixture.location);
    REQUIRE(opened);
    REQUIRE((*opened)->entries.size() == 1);
    CHECK((*opened)->entries[0].key == "b.example");
}

TEST_CASE("no store yet: readers see none, a write without create fails with how to create", "[store]") {
    TempDir temp;
    const StoreLocation location{temp.path() / "keyhold"};
    auto opened = store::open_store(location);
    REQUIRE(opened);
    CHECK_FALSE(*opened);
    auto transaction = Transaction::begin(location, WhenMissing::fail);
    REQUIRE_FALSE(transaction);
    CHECK_THAT(transaction.error().message, Catch::Contains("keyhold init"));
}

TEST_CASE("a damaged store is reported in one line and never overwritten", "[store][tamper]") {
    PassphraseStore fixture;
    put_and_commit(fixture.location, registry_entry("ghcr.io", "alice", "s3cret"));
    auto bytes = read_bytes(fixture.location.store_file());

    SECTION("a flipped byte in the body") { bytes[bytes.size() - 20] ^= 0x01; }
    SECTION("a flipped byte in the generation") { bytes[30] ^= 0x01; }
    SECTION("truncated") { bytes.resize(bytes.size() / 2); }
    SECTION("truncated to nothing") { bytes.clear(); }

    write_bytes(fixture.location.store_file(), bytes);
    const std::string error = open_error(fixture.location);
    CHECK_THAT(error, Catch::Contains("is damaged") || Catch::Contains("wrong passphrase"));
    CHECK(error.find('\n') == std::string::npos);
    CHECK(error.find("s3cret") == std::string::npos);

    auto transaction = Transaction::begin(fixture.location, WhenMissing::create_with_default_protector);
    CHECK_FALSE(transaction);
    CHECK(read_bytes(fixture.location.store_file()) == bytes);
}

TEST_CASE("a store file from another store is refused", "[store][tamper]") {
    PassphraseStore mine;
    TempDir other_temp;
    const StoreLocation other{other_temp.path() / "keyhold"};
    REQUIRE(store::create_store(other, "passphrase"));  // same passphrase, so only the anchor tells them apart
    put_and_commit(other, registry_entry("ghcr.io", "other", "theirs"));

    const auto foreign = read_bytes(other.store_file());
    write_bytes(mine.location.store_file(), foreign);
    CHECK_THAT(open_error(mine.location), Catch::Contains("belongs to another store"));
    CHECK_FALSE(Transaction::begin(mine.location, WhenMissing::fail));
    CHECK(read_bytes(mine.location.store_file()) == foreign);
}

TEST_CASE("a store moved with its directory still opens", "[store]") {
    PassphraseStore fixture;
    put_and_commit(fixture.location, registry_entry("ghcr.io", "alice", "s3cret"));
    const StoreLocation moved{fixture.temp.path() / "moved"};
    std::filesystem::rename(fixture.location.directory, moved.directory);
    CHECK(open_error(moved).empty());
}

TEST_CASE("the wrong passphrase opens nothing and changes nothing", "[store][passphrase]") {
    PassphraseStore fixture;
    fixture.location.key_cache_lifetime = std::chrono::seconds(0);  // the protector itself must answer
    put_and_commit(fixture.location, registry_entry("ghcr.io", "alice", "s3cret"));
    const auto before = read_bytes(fixture.location.store_file());
    ScopedEnv wrong("KEYHOLD_PASSPHRASE", "wrong");
    CHECK_THAT(open_error(fixture.location), Catch::Contains("wrong passphrase"));
    CHECK_FALSE(Transaction::begin(fixture.location, WhenMissing::fail));
    CHECK(read_bytes(fixture.location.store_file()) == before);
}

TEST_CASE("temporary files a killed writer left are cleaned up by the next write", "[store]") {
    PassphraseStore fixture;
    const auto abandoned = fixture.location.directory / "store.tmp.0123456789abcdef";
    write_bytes(abandoned, {1, 2, 3});
    put_and_commit(fixture.location, registry_entry("ghcr.io", "alice", "s3cret"));
    CHECK_FALSE(std::filesystem::exists(abandoned));
}

TEST_CASE("a re-key under a new passphrase keeps every entry and retires the old passphrase", "[store][rekey]") {
    PassphraseStore fixture;
    fixture.location.key_cache_lifetime = std::chrono::seconds(0);  // the protector itself must answer
    put_and_commit(fixture.location, registry_entry("ghcr.io", "alice", "s3cret"));
    const auto before = read_bytes(fixture.location.store_file());
    crypto::SecureBuffer old_key;
    {
        auto opened = store::open_store(fixture.location);
        REQUIRE(opened);
        REQUIRE(*opened);
        old_key = crypto::SecureBuffer::copy_of((*opened)->data_key.bytes());
    }
    {
        ScopedEnv new_passphrase("KEYHOLD_NEW_PASSPHRASE", "a brand new passphrase");
        auto transaction = Transaction::begin(fixture.location, WhenMissing::fail);
        REQUIRE(transaction);
        const std::string replaced_protector(transaction->protector_name());
        REQUIRE(transaction->replace_key("passphrase"));
        CHECK(replaced_protector == "passphrase");
        CHECK(transaction->protector_name() == "passphrase");
        REQUIRE(transaction->commit());
        REQUIRE(transaction->retire_replaced_key());
    }
    CHECK(generation(fixture.location) == 3);
    CHECK_THAT(open_error(fixture.location), Catch::Contains("wrong passphrase"));

    ScopedEnv passphrase("KEYHOLD_PASSPHRASE", "a brand new passphrase");
    auto opened = store::open_store(fixture.location);
    REQUIRE(opened);
    REQUIRE(*opened);
    REQUIRE((*opened)->entries.size() == 1);
    CHECK((*opened)->entries[0].key == "ghcr.io");
    CHECK((*opened)->entries[0].secret.expose() == "s3cret");

    // Re-encrypted, not re-labelled: the old data key no longer opens the body.
    const auto after = read_bytes(fixture.location.store_file());
    const auto file = store::parse_store_file(after);
    REQUIRE(file);
    CHECK_FALSE(store::open_store_body(*file, old_key));
    CHECK(store::open_store_body(*file, (*opened)->data_key));
    CHECK_FALSE(crypto::SecretView(old_key.text()).same_as(crypto::SecretView((*opened)->data_key.text())));

    // The old file keeps its old wrap: the new passphrase does not open it.
    write_bytes(fixture.location.store_file(), before);
    CHECK_THAT(open_error(fixture.location), Catch::Contains("wrong passphrase"));
}

TEST_CASE("KEYHOLD_NEW_PASSPHRASE is for a re-key only: init takes KEYHOLD_PASSPHRASE", "[store][rekey]") {
    TempDir temp;
    const StoreLocation location{temp.path() / "keyhold", std::chrono::seconds(0)};
    ScopedEnv passphrase("KEYHOLD_PASSPHRASE", "the passphrase");
    ScopedEnv leftover("KEYHOLD_NEW_PASSPHRASE", "a leftover from a re-key");
    REQUIRE(store::create_store(location, "passphrase"));
    CHECK(open_error(location).empty());
}

TEST_CASE("a re-key to a protector this build lacks changes nothing", "[store][rekey]") {
    PassphraseStore fixture;
    put_and_commit(fixture.location, registry_entry("ghcr.io", "alice", "s3cret"));
    const auto before = read_bytes(fixture.location.store_file());
    auto transaction = Transaction::begin(fixture.location, WhenMissing::fail);
    REQUIRE(transaction);
    auto replaced = transaction->replace_key("macos-keychain");
    REQUIRE_FALSE(replaced);
    CHECK_THAT(replaced.error().message, Catch::Contains("exists only on macOS"));
    REQUIRE(transaction->commit());
    CHECK(read_bytes(fixture.location.store_file()) == before);
    CHECK_FALSE(transaction->retire_replaced_key());
}

TEST_CASE("a write that would grow the store past what readers accept is refused, and the store stays usable",
          "[store][size]") {
    PassphraseStore fixture;
    // Three 100 MiB secrets: the third would take the file past kMaxStoreFileBytes (256 MiB).
    const std::string big(std::size_t{100} << 20, 'x');
    put_and_commit(fixture.location, registry_entry("one.example", "u", big));
    put_and_commit(fixture.location, registry_entry("two.example", "u", big));
    const auto before = std::filesystem::file_size(fixture.store_file());
    {
        auto transaction = Transaction::begin(fixture.location, WhenMissing::fail);
        REQUIRE(transaction);
        transaction->put(registry_entry("three.example", "u", big), 1000);
        auto committed = transaction->commit();
        REQUIRE_FALSE(committed);
        CHECK_THAT(committed.error().message, Catch::Contains("past the 256 MiB keyhold reads back; nothing was changed"));
    }
    CHECK(std::filesystem::file_size(fixture.store_file()) == before);
    // Still readable and writable: an erase brings it back down.
    auto transaction = Transaction::begin(fixture.location, WhenMissing::fail);
    REQUIRE(transaction);
    CHECK(transaction->remove(EntryKind::registry, "one.example", store::kUserOrigin));
    REQUIRE(transaction->commit());
    auto opened = store::open_store(fixture.location);
    REQUIRE(opened);
    REQUIRE((*opened)->entries.size() == 1);
    CHECK((*opened)->entries[0].key == "two.example");
}
