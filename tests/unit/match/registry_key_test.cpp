#include "support/catch.hpp"

#include <deque>
#include <string>

#include "keyhold/match/registry_key.hpp"

using keyhold::match::find_registry_entry;
using keyhold::match::parse_registry_key;
using keyhold::store::Entry;
using keyhold::store::EntryKind;

namespace {

std::string canonical(std::string_view server_url) {
    auto key = parse_registry_key(server_url);
    REQUIRE(key);
    return key->canonical();
}

// A store of registry entries, stored the way `store` does: under the canonical key.
class Entries {
public:
    Entries& add(std::string_view server_url, std::string_view username, std::string_view origin = "user") {
        keys_.push_back(canonical(server_url));
        Entry entry;
        entry.kind = EntryKind::registry;
        entry.key = keys_.back();
        entry.label = server_url;
        entry.username = username;
        entry.origin = origin;
        entries_.push_back(entry);
        return *this;
    }

    // The username of the entry answering `server_url`, or "" when none does.
    std::string answer(std::string_view server_url) const {
        auto request = parse_registry_key(server_url);
        if (!request) {
            return "";
        }
        auto found = find_registry_entry(*request, entries_);
        return found ? std::string(entries_[*found].username) : "";
    }

    std::vector<Entry>& entries() { return entries_; }

private:
    std::deque<std::string> keys_;  // stable addresses for the entries' views
    std::vector<Entry> entries_;
};

}  // namespace

TEST_CASE("scheme, trailing slash, API suffix and host case do not change the key", "[match]") {
    const std::string key = canonical("registry.example.com");
    for (const char* spelling :
         {"https://registry.example.com", "http://registry.example.com", "https://registry.example.com/",
          "HTTPS://Registry.Example.COM/", "registry.example.com/v2/", "https://registry.example.com/v1/",
          "registry.example.com//", "registry.example.com.", "https://registry.example.com:443/v2"}) {
        INFO(spelling);
        CHECK(canonical(spelling) == key);
    }
}

TEST_CASE("the port is part of the key, except 443 which is folded", "[match]") {
    CHECK(canonical("localhost:5000") == "localhost:5000");
    CHECK(canonical("localhost:5000") != canonical("localhost:5001"));
    CHECK(canonical("localhost") != canonical("127.0.0.1"));
    CHECK(canonical("localhost:05000") == "localhost:5000");
    CHECK(canonical("registry.example.com:443") == "registry.example.com");
    CHECK(canonical("registry.example.com:80") == "registry.example.com:80");
    CHECK(canonical("[::1]:5000") == "[::1]:5000");
    CHECK(canonical("[::1]:443") == "[::1]");
}

TEST_CASE("docker's spelling of a loopback login answers buildah's bare host", "[match]") {
    Entries store;
    store.add("127.0.0.1:5000", "docker-user");
    CHECK(store.answer("https://127.0.0.1:5000/") == "docker-user");
    CHECK(store.answer("http://127.0.0.1:5000") == "docker-user");
    CHECK(store.answer("127.0.0.1:5000") == "docker-user");
    CHECK(store.answer("127.0.0.1:5001").empty());
    CHECK(store.answer("localhost:5000").empty());
}

TEST_CASE("Docker Hub's aliases are one entry", "[match]") {
    const std::string hub = canonical("docker.io");
    for (const char* alias : {"index.docker.io", "registry-1.docker.io", "https://index.docker.io/v1/",
                              "https://registry-1.docker.io/v2/", "Docker.IO"}) {
        INFO(alias);
        CHECK(canonical(alias) == hub);
    }
    Entries store;
    store.add("https://index.docker.io/v1/", "hub-user");
    CHECK(store.answer("docker.io") == "hub-user");
    CHECK(store.answer("registry-1.docker.io") == "hub-user");
    CHECK(store.answer("index.docker.io") == "hub-user");
    CHECK(store.answer("hub.docker.com").empty());
    CHECK(store.answer("docker.io:5000").empty());
}

TEST_CASE("docker's access-token and refresh-token keys match only themselves", "[match]") {
    Entries store;
    store.add("https://index.docker.io/v1/", "hub-user");
    CHECK(store.answer("https://index.docker.io/v1/access-token").empty());
    CHECK(store.answer("https://index.docker.io/v1/refresh-token").empty());

    store.add("https://index.docker.io/v1/access-token", "<token>");
    store.add("https://index.docker.io/v1/refresh-token", "<refresh>");
    CHECK(store.answer("https://index.docker.io/v1/access-token") == "<token>");
    CHECK(store.answer("https://index.docker.io/v1/refresh-token") == "<refresh>");
    CHECK(store.answer("https://index.docker.io/v1/") == "hub-user");
    CHECK(canonical("https://index.docker.io/v1/access-token") != canonical("https://index.docker.io/v1/"));
    CHECK(canonical("https://index.docker.io/v1/access-token") !=
          canonical("https://index.docker.io/v1/refresh-token"));
}

TEST_CASE("a token key's entry does not answer paths below it", "[match]") {
    Entries store;
    store.add("https://index.docker.io/v1/access-token", "<token>");
    CHECK(store.answer("https://index.docker.io/v1/access-token/more").empty());
    CHECK(store.answer("docker.io").empty());
}

TEST_CASE("the longest path prefix on whole segments wins", "[match]") {
    Entries store;
    store.add("ghcr.io", "everyone").add("ghcr.io/team-a", "team-a").add("ghcr.io/team-a/app", "app");
    CHECK(store.answer("ghcr.io/team-a/app") == "app");
    CHECK(store.answer("ghcr.io/team-a/app/sub") == "app");
    CHECK(store.answer("ghcr.io/team-a/other") == "team-a");
    CHECK(store.answer("ghcr.io/team-a") == "team-a");
    CHECK(store.answer("ghcr.io/team-ab") == "everyone");
    CHECK(store.answer("ghcr.io/team-a-b/app") == "everyone");
    CHECK(store.answer("ghcr.io") == "everyone");
}

TEST_CASE("an entry with a path does not answer its bare host", "[match]") {
    Entries store;
    store.add("us-docker.pkg.dev/project", "project");
    CHECK(store.answer("us-docker.pkg.dev/project/image") == "project");
    CHECK(store.answer("us-docker.pkg.dev").empty());
    CHECK(store.answer("us-docker.pkg.dev/projects").empty());
    CHECK(store.answer("us-docker.pkg.dev/other/project").empty());
}

TEST_CASE("host suffixes, prefixes and substrings never match", "[match][security]") {
    Entries store;
    store.add("registry.example.com", "real");
    for (const char* attack :
         {"evil-registry.example.com", "registry.example.com.evil.net", "example.com", "xregistry.example.com",
          "registry.example.co", "registry.example.com:5000", "sub.registry.example.com",
          "registry.example.com@evil.net", "evil.net/registry.example.com", "evil.net?registry.example.com",
          "evil.net#registry.example.com", "registry.example.com\\@evil.net"}) {
        INFO(attack);
        CHECK(store.answer(attack).empty());
    }
}

// Between entries of the same key, the serving policy decides: tests/unit/store/serving_test.cpp.
TEST_CASE("a more specific org entry wins over a user's broader one", "[match]") {
    Entries store;
    store.add("ghcr.io", "me", "user").add("ghcr.io/acme", "org-bot", "acme");
    CHECK(store.answer("ghcr.io/acme/app") == "org-bot");
    CHECK(store.answer("ghcr.io/other/app") == "me");
}

TEST_CASE("registry types from the org seeds resolve to their hosts", "[match]") {
    // Buddy.works / the org API name registries by URL; docker, buildah and skopeo ask by host.
    Entries store;
    store.add("https://123456789012.dkr.ecr.us-east-1.amazonaws.com", "AWS")
        .add("https://gcr.io", "_json_key")
        .add("us-central1-docker.pkg.dev/my-project", "oauth2accesstoken")
        .add("ghcr.io", "build-bot")
        .add("myregistry.azurecr.io", "00000000-0000-0000-0000-000000000000")
        .add("http://insecure.internal:5000", "plain");
    CHECK(store.answer("123456789012.dkr.ecr.us-east-1.amazonaws.com") == "AWS");
    CHECK(store.answer("gcr.io") == "_json_key");
    CHECK(store.answer("us-central1-docker.pkg.dev/my-project/repo/image") == "oauth2accesstoken");
    CHECK(store.answer("https://ghcr.io") == "build-bot");
    CHECK(store.answer("myregistry.azurecr.io") == "00000000-0000-0000-0000-000000000000");
    CHECK(store.answer("insecure.internal:5000") == "plain");
    CHECK(store.answer("eu.gcr.io").empty());
}

TEST_CASE("only registry entries answer registry requests", "[match]") {
    Entries store;
    store.add("github.com", "git-user");
    store.entries()[0].kind = EntryKind::git;
    CHECK(store.answer("github.com").empty());
}

TEST_CASE("addresses that name no registry are refused", "[match]") {
    for (const char* bad : {"", "https://", "://host", "ftp://host", "host:0", "host:65536", "host:port", "host:",
                            "host:5000:1", "[::1", "[::1]x", "[zz::1]", "ho st", "host\n", "host\t", "host/../x",
                            "host/./x", "user:pw@host", "a..b", ".host", "héllo.example"}) {
        INFO(bad);
        CHECK_FALSE(parse_registry_key(bad));
    }
}

TEST_CASE("a host ending in two dots is refused, not stored under a key no request can spell", "[match]") {
    // Found by tests/fuzz/registry_key_fuzzer: "example.com.." was kept as "example.com.",
    // which itself normalizes to "example.com".
    CHECK_FALSE(parse_registry_key("example.com.."));
    CHECK_FALSE(parse_registry_key("https://example.com..:5000/team"));
    CHECK(canonical("example.com.") == "example.com");
}

TEST_CASE("the refusal names the address and why", "[match]") {
    auto key = parse_registry_key("ftp://host");
    REQUIRE_FALSE(key);
    CHECK(key.error().message == "'ftp://host' is not a registry address: only http:// and https:// addresses "
                                 "name registries");
}

TEST_CASE("percent-escapes and characters outside ASCII are refused, so no spelling gets around a rule",
          "[match][security]") {
    for (const char* address : {"us-docker.pkg.dev/project-a/%2e%2e/project-b", "ghcr.io/team%2fother",
                                "ghcr.io/team-a\xE2\x80\xAE/x", "g\xD2\xBB" "cr.io", "https://ghcr.io/caf\xC3\xA9"}) {
        INFO(address);
        auto key = parse_registry_key(address);
        REQUIRE_FALSE(key);
        CHECK(key.error().message.find("not ASCII") != std::string::npos);
        CHECK(key.error().message.find('\xE2') == std::string::npos);  // shown escaped, never raw
    }
}

TEST_CASE("a registry address with user information is refused without showing it", "[match][security]") {
    auto key = parse_registry_key("https://alice:PW-123@ghcr.io/team");
    REQUIRE_FALSE(key);
    CHECK(key.error().message.find("PW-123") == std::string::npos);
    CHECK(key.error().message.find("https://***@ghcr.io/team") != std::string::npos);
}
