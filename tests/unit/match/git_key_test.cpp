#include "support/catch.hpp"

#include <deque>

#include "keyhold/match/git_key.hpp"

using namespace keyhold;
using match::GitTarget;

namespace {

class GitEntries {
public:
    GitEntries& add(std::string_view protocol, std::string_view host, std::string_view path, std::string_view username,
                    std::string_view origin = "user") {
        keys_.push_back(match::git_entry_key(protocol, host, path, username));
        store::Entry entry;
        entry.kind = store::EntryKind::git;
        entry.key = keys_.back();
        entry.username = username;
        entry.origin = origin;
        entries_.push_back(entry);
        return *this;
    }

    // "username@origin" of the entry `get` answers with, "" when none.
    std::string answer(const GitTarget& request) const {
        const auto found = match::find_git_entry(request, entries_, [](const store::Entry&) { return true; });
        return found ? std::string(entries_[*found].username) + "@" + std::string(entries_[*found].origin) : "";
    }

    std::vector<store::Entry>& entries() { return entries_; }

private:
    std::deque<std::string> keys_;
    std::vector<store::Entry> entries_;
};

}  // namespace

TEST_CASE("git matching needs the same protocol, never https for http", "[git][match]") {
    GitEntries store;
    store.add("https", "example.com", "", "alice");
    CHECK(store.answer({"https", "example.com", {}, {}}) == "alice@user");
    CHECK(store.answer({"http", "example.com", {}, {}}).empty());
    CHECK(store.answer({"HTTPS", "Example.COM", {}, {}}) == "alice@user");
}

TEST_CASE("git matching needs the same host and port, never a suffix or prefix", "[git][match][security]") {
    GitEntries store;
    store.add("https", "example.com", "", "alice");
    for (const char* other : {"evil-example.com", "example.com.evil.net", "sub.example.com", "example.co",
                              "xexample.com", "example.com:8443", "com"}) {
        INFO(other);
        CHECK(store.answer({"https", other, {}, {}}).empty());
    }
    GitEntries ported;
    ported.add("https", "example.com:8443", "", "bob");
    CHECK(ported.answer({"https", "example.com:8443", {}, {}}) == "bob@user");
    CHECK(ported.answer({"https", "example.com", {}, {}}).empty());
}

TEST_CASE("a request without protocol or host matches nothing", "[git][match][security]") {
    GitEntries store;
    store.add("https", "example.com", "", "alice");
    CHECK(store.answer({"", "example.com", {}, {}}).empty());
    CHECK(store.answer({"https", "", {}, {}}).empty());
}

TEST_CASE("a username in the request must be the entry's", "[git][match]") {
    GitEntries store;
    store.add("https", "example.com", "", "user1").add("https", "example.com", "", "user2");
    CHECK(store.answer({"https", "example.com", {}, std::string_view("user2")}) == "user2@user");
    CHECK(store.answer({"https", "example.com", {}, std::string_view("other")}).empty());
    CHECK(store.answer({"https", "example.com", {}, {}}) == "user1@user");
}

TEST_CASE("a path in the request (useHttpPath) must be the entry's", "[git][match]") {
    GitEntries store;
    store.add("https", "example.com", "org/a.git", "a-bot");
    CHECK(store.answer({"https", "example.com", std::string_view("org/a.git"), {}}) == "a-bot@user");
    CHECK(store.answer({"https", "example.com", std::string_view("org/b.git"), {}}).empty());
    CHECK(store.answer({"https", "example.com", std::string_view("org/a.git/x"), {}}).empty());
}

TEST_CASE("without a path in the request a host-wide entry is preferred", "[git][match]") {
    GitEntries store;
    store.add("https", "example.com", "org/a.git", "a-bot").add("https", "example.com", "", "everyone");
    CHECK(store.answer({"https", "example.com", {}, {}}) == "everyone@user");
}

// Between two path-less (or two per-path) entries, the serving policy decides: tests/unit/store/serving_test.cpp.
TEST_CASE("a host-wide org entry wins over a user's per-path one when the request has no path", "[git][match]") {
    GitEntries store;
    store.add("https", "github.com", "org/a.git", "me", "user").add("https", "github.com", "", "build-bot", "acme");
    CHECK(store.answer({"https", "github.com", {}, {}}) == "build-bot@acme");
}

TEST_CASE("registry entries never answer git", "[git][match]") {
    GitEntries store;
    store.add("https", "ghcr.io", "", "alice");
    store.entries()[0].kind = store::EntryKind::registry;
    CHECK(store.answer({"https", "ghcr.io", {}, {}}).empty());
}
