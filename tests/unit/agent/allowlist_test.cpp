#include "agent/allowlist.hpp"

#include <string>
#include <vector>

#include "support/catch.hpp"

using namespace keyhold;
using agent::Allowlist;

namespace {

Allowlist allow(std::vector<std::string> entries) {
    auto allowlist = Allowlist::parse(entries);
    REQUIRE(allowlist);
    return *allowlist;
}

bool registry_allowed(const Allowlist& allowlist, std::string_view server_url) {
    auto key = match::parse_registry_key(server_url);
    REQUIRE(key);
    return allowlist.allows_registry(*key);
}

bool git_allowed(const Allowlist& allowlist, std::string_view protocol, std::string_view host,
                 std::optional<std::string_view> path = std::nullopt) {
    return allowlist.allows_git({protocol, host, path, std::nullopt});
}

}  // namespace

TEST_CASE("an allowed registry is allowed in every spelling clients send", "[agent]") {
    const Allowlist allowlist = allow({"registry.example.com"});
    CHECK(registry_allowed(allowlist, "registry.example.com"));
    CHECK(registry_allowed(allowlist, "https://Registry.Example.com/v2/"));
    CHECK(registry_allowed(allowlist, "registry.example.com:443"));
    CHECK(registry_allowed(allowlist, "registry.example.com/team/app"));
}

TEST_CASE("near misses of an allowed registry are refused", "[agent]") {
    const Allowlist allowlist = allow({"registry.example.com"});
    CHECK_FALSE(registry_allowed(allowlist, "evil-registry.example.com"));
    CHECK_FALSE(registry_allowed(allowlist, "registry.example.com.evil.net"));
    CHECK_FALSE(registry_allowed(allowlist, "example.com"));
    CHECK_FALSE(registry_allowed(allowlist, "registry.example.com:5000"));
    CHECK_FALSE(registry_allowed(allowlist, "sub.registry.example.com"));
}

TEST_CASE("an allowed registry path allows what is below it on whole segments", "[agent]") {
    const Allowlist allowlist = allow({"ghcr.io/team-a", "localhost:5000"});
    CHECK(registry_allowed(allowlist, "ghcr.io/team-a"));
    CHECK(registry_allowed(allowlist, "ghcr.io/team-a/app"));
    CHECK_FALSE(registry_allowed(allowlist, "ghcr.io/team-ab"));
    CHECK_FALSE(registry_allowed(allowlist, "ghcr.io"));
    CHECK(registry_allowed(allowlist, "localhost:5000"));
    CHECK_FALSE(registry_allowed(allowlist, "localhost:5001"));
    CHECK_FALSE(registry_allowed(allowlist, "127.0.0.1:5000"));
}

TEST_CASE("Docker Hub is allowed under any of its aliases", "[agent]") {
    const Allowlist allowlist = allow({"docker.io"});
    CHECK(registry_allowed(allowlist, "https://index.docker.io/v1/"));
    CHECK(registry_allowed(allowlist, "registry-1.docker.io"));
}

TEST_CASE("a git host is allowed over https only, with its port", "[agent]") {
    const Allowlist allowlist = allow({"git.example.com"});
    CHECK(git_allowed(allowlist, "https", "git.example.com"));
    CHECK(git_allowed(allowlist, "https", "Git.Example.com", "any/repo.git"));
    CHECK_FALSE(git_allowed(allowlist, "http", "git.example.com"));
    CHECK_FALSE(git_allowed(allowlist, "https", "git.example.com:8443"));
    CHECK_FALSE(git_allowed(allowlist, "https", "evil-git.example.com"));
    CHECK_FALSE(git_allowed(allowlist, "https", "git.example.com.evil.net"));
    CHECK_FALSE(git_allowed(allowlist, "https", "example.com"));
}

TEST_CASE("a git path in the allowlist needs a path under it from git", "[agent]") {
    const Allowlist allowlist = allow({"git.example.com/team/"});
    CHECK(git_allowed(allowlist, "https", "git.example.com", "team/repo.git"));
    CHECK(git_allowed(allowlist, "https", "git.example.com", "team"));
    CHECK_FALSE(git_allowed(allowlist, "https", "git.example.com", "teamx/repo.git"));
    CHECK_FALSE(git_allowed(allowlist, "https", "git.example.com", "other/repo.git"));
    CHECK_FALSE(git_allowed(allowlist, "https", "git.example.com"));  // host-wide would be more than allowed
}

TEST_CASE("allowlist entries that are not HOST[:PORT][/PATH] are refused", "[agent]") {
    CHECK_FALSE(Allowlist::parse(std::vector<std::string>{}));
    for (const char* bad : {"", "https://ghcr.io", "user@ghcr.io", "ghcr.io?x", "ghcr .io", "ghcr.io//team", "/team",
                            "ghcr.io\nevil.net"}) {
        INFO(bad);
        CHECK_FALSE(Allowlist::parse(std::vector<std::string>{bad}));
    }
}
