#include "support/catch.hpp"

#include <deque>

#include "keyhold/store/org_sources.hpp"
#include "keyhold/store/user_changes.hpp"
#include "support/passphrase_store.hpp"

using namespace keyhold;
using store::Entry;
using store::EntryKind;

namespace {

Entry registry(std::string_view key, std::string_view user, std::string_view secret, std::string_view origin) {
    Entry entry;
    entry.kind = EntryKind::registry;
    entry.key = entry.label = key;
    entry.username = user;
    entry.secret = crypto::SecretView(secret);
    entry.origin = origin;
    return entry;
}

const std::array kOrgKinds = {EntryKind::registry, EntryKind::git, EntryKind::build_secret};

struct OrgFixture : testing::TempPassphraseStore {
    OrgFixture() {
        auto transaction = store::Transaction::begin(location, store::WhenMissing::fail);
        REQUIRE(transaction);
        transaction->replace_origin("acme", kOrgKinds, {registry("ghcr.io", "bot", "org-pat", "acme")}, 100);
        REQUIRE(transaction->commit());
    }
};

std::vector<Entry> entries_now(const store::StoreLocation& location, store::OpenStore& holder) {
    auto opened = store::open_store(location);
    REQUIRE(opened);
    holder = std::move(**opened);
    return holder.entries;
}

}  // namespace

TEST_CASE("replacing an origin's entries with the same ones writes nothing", "[store][org]") {
    OrgFixture fixture;
    const auto before = testing::read_bytes(fixture.store_file());
    auto transaction = store::Transaction::begin(fixture.location, store::WhenMissing::fail);
    REQUIRE(transaction);
    transaction->replace_origin("acme", kOrgKinds, {registry("ghcr.io", "bot", "org-pat", "acme")}, 200);
    REQUIRE(transaction->commit());
    CHECK(testing::read_bytes(fixture.store_file()) == before);
}

TEST_CASE("replacing an origin's entries removes what the org removed and keeps others' entries", "[store][org]") {
    OrgFixture fixture;
    {
        auto transaction = store::Transaction::begin(fixture.location, store::WhenMissing::fail);
        REQUIRE(transaction);
        transaction->put(registry("ghcr.io", "me", "mine", "user"), 150);
        transaction->replace_origin("acme", kOrgKinds, {registry("quay.io", "bot", "q", "acme")}, 200);
        REQUIRE(transaction->commit());
    }
    store::OpenStore holder;
    const auto entries = entries_now(fixture.location, holder);
    REQUIRE(entries.size() == 2);
    CHECK(std::any_of(entries.begin(), entries.end(), [](const Entry& e) { return e.key == "ghcr.io" && e.from_user(); }));
    CHECK(std::any_of(entries.begin(), entries.end(), [](const Entry& e) { return e.key == "quay.io" && e.origin == "acme"; }));
}

TEST_CASE("erasing an org entry hides it behind a tombstone until the org changes it", "[store][org]") {
    OrgFixture fixture;
    std::deque<std::string> storage;
    const auto is_ghcr = [](const Entry& entry) { return entry.kind == EntryKind::registry && entry.key == "ghcr.io"; };
    {
        auto transaction = store::Transaction::begin(fixture.location, store::WhenMissing::fail);
        REQUIRE(transaction);
        store::erase_for_client(*transaction, is_ghcr, storage, 300);
        REQUIRE(transaction->commit());
    }
    store::OpenStore holder;
    auto entries = entries_now(fixture.location, holder);
    REQUIRE(entries.size() == 2);
    const auto tombstone = std::find_if(entries.begin(), entries.end(), store::is_tombstone);
    REQUIRE(tombstone != entries.end());
    const auto org = std::find_if(entries.begin(), entries.end(), [](const Entry& e) { return !e.from_user(); });
    CHECK(store::tombstone_hides(*tombstone, *org));

    // The org rotates the credential: the next sync drops the tombstone.
    {
        auto transaction = store::Transaction::begin(fixture.location, store::WhenMissing::fail);
        REQUIRE(transaction);
        transaction->replace_origin("acme", kOrgKinds, {registry("ghcr.io", "bot", "rotated", "acme")}, 400);
        store::remove_orphan_tombstones(*transaction);
        REQUIRE(transaction->commit());
    }
    entries = entries_now(fixture.location, holder);
    CHECK(std::none_of(entries.begin(), entries.end(), store::is_tombstone));
}

TEST_CASE("erasing removes the user's own entry first, then hides the org's", "[store][org]") {
    OrgFixture fixture;
    std::deque<std::string> storage;
    const auto is_ghcr = [](const Entry& entry) { return entry.kind == EntryKind::registry && entry.key == "ghcr.io"; };
    auto transaction = store::Transaction::begin(fixture.location, store::WhenMissing::fail);
    REQUIRE(transaction);
    transaction->put(registry("ghcr.io", "me", "mine", "user"), 150);
    store::erase_for_client(*transaction, is_ghcr, storage, 300);
    CHECK(std::none_of(transaction->entries().begin(), transaction->entries().end(),
                       [](const Entry& e) { return e.from_user(); }));
    store::erase_for_client(*transaction, is_ghcr, storage, 300);
    CHECK(std::count_if(transaction->entries().begin(), transaction->entries().end(), store::is_tombstone) == 1);
}

TEST_CASE("storing back the org's own credential makes no user copy", "[store][org]") {
    OrgFixture fixture;
    const auto before = testing::read_bytes(fixture.store_file());
    auto transaction = store::Transaction::begin(fixture.location, store::WhenMissing::fail);
    REQUIRE(transaction);
    const auto same = [](const Entry& org) { return org.key == "ghcr.io" && org.secret.expose() == "org-pat"; };
    store::put_user_credential(*transaction, registry("ghcr.io", "bot", "org-pat", "user"), same, 500);
    REQUIRE(transaction->commit());
    CHECK(testing::read_bytes(fixture.store_file()) == before);
}
