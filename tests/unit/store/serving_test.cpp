// The serving policy's rules (store/serving.hpp), each tested here once, through every verb
// that serves: docker get (the registry matcher), git get (the git matcher), docker list and the
// build secrets (served()). The matchers' own rules are in tests/unit/match/.

#include "keyhold/store/serving.hpp"

#include "support/catch.hpp"
#include <deque>
#include <string>
#include <vector>

#include "keyhold/match/git_key.hpp"
#include "keyhold/match/registry_key.hpp"
#include "keyhold/store/org_sources.hpp"
#include "keyhold/store/sync_state.hpp"
#include "support/passphrase_store.hpp"

using namespace keyhold;
using store::Entry;
using store::EntryKind;

namespace {

constexpr std::int64_t kNow = 10'000;

// Entries as a store holds them; the strings they view live as long as the object.
class Entries {
public:
    // A registry entry under `server_url`'s canonical key.
    Entries& registry(std::string_view server_url, std::string_view username, std::string_view origin) {
        auto key = match::parse_registry_key(server_url);
        REQUIRE(key);
        return add(EntryKind::registry, keep(key->canonical()), username, origin);
    }
    // A host-wide https git entry, as the org's are.
    Entries& git(std::string_view host, std::string_view username, std::string_view origin) {
        return add(EntryKind::git, keep(match::git_entry_key("https", host, "", username)), username, origin);
    }
    Entries& build_secret(std::string_view name, std::string_view value, std::string_view origin) {
        add(EntryKind::build_secret, name, "", origin);
        entries_.back().secret = crypto::SecretView(keep(std::string(value)));
        return *this;
    }
    // What erasing an org entry leaves: a user entry that hides it (the fingerprint plays no part here).
    Entries& tombstone(EntryKind kind, std::string_view key) {
        add(kind, key, "", store::kUserOrigin);
        entries_.back().extras.push_back({store::kHidesFingerprint, crypto::SecretView("fingerprint")});
        return *this;
    }
    // A source whose entries are served only while its last sync is at most `max_age` old.
    Entries& source(std::string_view name, std::string_view max_age) {
        add(EntryKind::source_token, name, "ignite", store::kUserOrigin);
        entries_.back().secret = crypto::SecretView("token");
        entries_.back().extras.push_back({store::kSourceMaxAge, crypto::SecretView(max_age)});
        return *this;
    }

    const std::vector<Entry>& all() const { return entries_; }
    std::string_view last_key() const { return entries_.back().key; }

private:
    std::string_view keep(std::string text) { return strings_.emplace_back(std::move(text)); }

    Entries& add(EntryKind kind, std::string_view key, std::string_view username, std::string_view origin) {
        Entry entry;
        entry.kind = kind;
        entry.key = entry.label = key;
        entry.username = username;
        entry.origin = origin;
        entries_.push_back(entry);
        return *this;
    }

    std::deque<std::string> strings_;
    std::vector<Entry> entries_;
};

// Who answers, as "username@origin", or "" for no answer.
std::string shown(const Entry* entry) {
    return entry == nullptr ? "" : std::string(entry->username) + "@" + std::string(entry->origin);
}

std::string docker_get(const store::ServingPolicy& policy, const Entries& entries, std::string_view server_url) {
    auto key = match::parse_registry_key(server_url);
    REQUIRE(key);
    return shown(policy.answer(
        match::find_registry_entry(*key, entries.all(), [&](const Entry& entry) { return policy.may_match(entry); })));
}

std::string git_get(const store::ServingPolicy& policy, const Entries& entries, std::string_view host) {
    const match::GitTarget request{"https", host, std::nullopt, std::nullopt};
    return shown(policy.answer(
        match::find_git_entry(request, entries.all(), [&](const Entry& entry) { return policy.may_match(entry); })));
}

// docker list, or `keyhold secret list`: "key=username@origin" per served entry, in order.
std::vector<std::string> listed(const store::ServingPolicy& policy, EntryKind kind) {
    std::vector<std::string> lines;
    for (const Entry* entry : policy.served(kind)) {
        lines.push_back(std::string(entry->key) + "=" + shown(entry));
    }
    return lines;
}

}  // namespace

TEST_CASE("a user's entry is served before an org's of the same key, whichever was stored first", "[serving]") {
    testing::TempDir temp;
    const store::StoreLocation location{temp.path()};
    for (const bool user_first : {true, false}) {
        INFO("user entry stored first: " << user_first);
        Entries entries;
        const auto both = [&](auto add_user, auto add_org) {
            if (user_first) {
                add_user();
                add_org();
            } else {
                add_org();
                add_user();
            }
        };
        both([&] { entries.registry("ghcr.io", "me", "user"); }, [&] { entries.registry("ghcr.io", "bot", "acme"); });
        both([&] { entries.git("github.com", "me", "user"); }, [&] { entries.git("github.com", "bot", "acme"); });
        both([&] { entries.build_secret("NPM_TOKEN", "mine", "user"); },
             [&] { entries.build_secret("NPM_TOKEN", "org's", "acme"); });
        const store::ServingPolicy policy(location, entries.all(), kNow);

        CHECK(docker_get(policy, entries, "https://ghcr.io/v2/") == "me@user");
        CHECK(git_get(policy, entries, "github.com") == "me@user");
        CHECK(listed(policy, EntryKind::registry) == std::vector<std::string>{"ghcr.io=me@user"});
        CHECK(listed(policy, EntryKind::build_secret) == std::vector<std::string>{"NPM_TOKEN=@user"});
    }
    Entries pair;
    pair.registry("ghcr.io", "me", "user").registry("ghcr.io", "bot", "acme");
    CHECK(store::outranks(pair.all()[0], pair.all()[1]));
    CHECK_FALSE(store::outranks(pair.all()[1], pair.all()[0]));
    CHECK_FALSE(store::outranks(pair.all()[0], pair.all()[0]));  // between equals, the first stored stays
}

TEST_CASE("of two org entries of the same key, the first stored is served", "[serving]") {
    testing::TempDir temp;
    Entries entries;
    entries.registry("ghcr.io", "first", "acme").registry("ghcr.io", "second", "globex");
    const store::ServingPolicy policy(store::StoreLocation{temp.path()}, entries.all(), kNow);
    CHECK(docker_get(policy, entries, "ghcr.io") == "first@acme");
    CHECK(listed(policy, EntryKind::registry) == std::vector<std::string>{"ghcr.io=first@acme"});
}

TEST_CASE("an org entry of a source past its max age is not served, a user's entry is", "[serving][org]") {
    testing::TempPassphraseStore fixture;
    Entries entries;
    entries.source("acme", "3600")
        .registry("ghcr.io", "bot", "acme")
        .registry("quay.io", "me", "user")
        .git("github.com", "bot", "acme")
        .build_secret("NPM_TOKEN", "org's", "acme");
    const Entry& org_entry = entries.all()[1];
    const Entry& user_entry = entries.all()[2];

    store::SyncState state;
    state["acme"].last_success = kNow;
    REQUIRE(store::write_sync_state(fixture.location, state));
    const store::ServingPolicy fresh(fixture.location, entries.all(), kNow + 3600);
    CHECK_FALSE(fresh.source_is_stale("acme"));
    CHECK(fresh.may_match(org_entry));
    CHECK(docker_get(fresh, entries, "ghcr.io") == "bot@acme");
    CHECK(git_get(fresh, entries, "github.com") == "bot@acme");
    CHECK(listed(fresh, EntryKind::registry) == std::vector<std::string>{"ghcr.io=bot@acme", "quay.io=me@user"});
    CHECK(listed(fresh, EntryKind::build_secret) == std::vector<std::string>{"NPM_TOKEN=@acme"});

    const store::ServingPolicy stale(fixture.location, entries.all(), kNow + 3601);
    CHECK(stale.source_is_stale("acme"));
    CHECK_FALSE(stale.may_match(org_entry));
    CHECK(stale.may_match(user_entry));
    CHECK(docker_get(stale, entries, "ghcr.io").empty());
    CHECK(docker_get(stale, entries, "quay.io") == "me@user");
    CHECK(git_get(stale, entries, "github.com").empty());
    CHECK(listed(stale, EntryKind::registry) == std::vector<std::string>{"quay.io=me@user"});
    CHECK(listed(stale, EntryKind::build_secret).empty());

    // No sync state at all proves no recent sync either.
    REQUIRE(store::write_sync_state(fixture.location, {}));
    CHECK_FALSE(store::ServingPolicy(fixture.location, entries.all(), 0).may_match(org_entry));
}

TEST_CASE("a stale org entry holds no place in a list: its key is listed where a served entry is", "[serving][org]") {
    testing::TempPassphraseStore fixture;
    Entries entries;
    entries.source("acme", "60")
        .registry("ghcr.io", "bot", "acme")
        .registry("quay.io", "me", "user")
        .registry("ghcr.io", "me", "user");
    REQUIRE(store::write_sync_state(fixture.location, {}));
    const store::ServingPolicy policy(fixture.location, entries.all(), kNow);
    CHECK(listed(policy, EntryKind::registry) == std::vector<std::string>{"quay.io=me@user", "ghcr.io=me@user"});
}

TEST_CASE("a tombstone answers nothing in get and hides the org entry in list", "[serving][org]") {
    testing::TempDir temp;
    Entries entries;
    entries.registry("ghcr.io", "bot", "acme")
        .tombstone(EntryKind::registry, "ghcr.io")
        .registry("quay.io", "bot", "acme")
        .git("github.com", "bot", "acme")
        .tombstone(EntryKind::git, entries.last_key())
        .build_secret("NPM_TOKEN", "org's", "acme")
        .tombstone(EntryKind::build_secret, "NPM_TOKEN")
        .build_secret("PYPI_TOKEN", "org's", "acme");
    const store::ServingPolicy policy(store::StoreLocation{temp.path()}, entries.all(), kNow);

    // The tombstone takes part in matching and wins over the org entry, then answers nothing.
    CHECK(policy.may_match(entries.all()[1]));
    CHECK(docker_get(policy, entries, "ghcr.io").empty());
    CHECK(docker_get(policy, entries, "ghcr.io/team/app").empty());
    CHECK(docker_get(policy, entries, "quay.io") == "bot@acme");
    CHECK(git_get(policy, entries, "github.com").empty());
    CHECK(policy.answer(std::nullopt) == nullptr);

    CHECK(listed(policy, EntryKind::registry) == std::vector<std::string>{"quay.io=bot@acme"});
    CHECK(listed(policy, EntryKind::git).empty());
    CHECK(listed(policy, EntryKind::build_secret) == std::vector<std::string>{"PYPI_TOKEN=@acme"});
}

TEST_CASE("a tombstone stored before the org entry it hides still hides it", "[serving][org]") {
    testing::TempDir temp;
    Entries entries;
    entries.tombstone(EntryKind::registry, "ghcr.io").registry("ghcr.io", "bot", "acme");
    const store::ServingPolicy policy(store::StoreLocation{temp.path()}, entries.all(), kNow);
    CHECK(docker_get(policy, entries, "ghcr.io").empty());
    CHECK(listed(policy, EntryKind::registry).empty());
}
