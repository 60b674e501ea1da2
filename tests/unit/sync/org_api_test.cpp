#include "support/catch.hpp"

#include <sodium.h>

#include "keyhold/sync/org_api.hpp"
#include "keyhold/sync/sync_engine.hpp"

using namespace keyhold;
using sync::OrgSnapshot;

namespace {

std::string base64(std::string_view text) {
    std::string encoded(sodium_base64_ENCODED_LEN(text.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
    sodium_bin2base64(encoded.data(), encoded.size(), reinterpret_cast<const unsigned char*>(text.data()), text.size(),
                      sodium_base64_VARIANT_ORIGINAL);
    encoded.pop_back();
    return encoded;
}

Result<void> ignite(std::string_view json, OrgSnapshot& snapshot) { return sync::parse_ignite_secrets(json, snapshot); }

}  // namespace

TEST_CASE("the ignite answer gives registries, the git PAT and build secrets", "[sync][ignite]") {
    OrgSnapshot snapshot;
    const std::string answer = R"({"registryCredentials": {"ghcr.io": ")" + base64("bot:ghp_token") +
                               R"(", "https://index.docker.io/v1/": ")" + base64("hub:pa:ss") + R"("},
        "gitCredentials": {"username": "build-bot", "password": "ghp_xxxx"},
        "buildSecrets": {"NPM_TOKEN": "npm_1", "MULTI_LINE": "a\nb"}, "futureField": 1})";
    REQUIRE(ignite(answer, snapshot));
    REQUIRE(snapshot.registries.size() == 2);
    const auto hub = std::find_if(snapshot.registries.begin(), snapshot.registries.end(),
                                  [](const auto& r) { return r.username == "hub"; });
    REQUIRE(hub != snapshot.registries.end());
    CHECK(hub->secret.expose() == "pa:ss");  // only the first colon separates the user
    CHECK(snapshot.git->username == "build-bot");
    CHECK(snapshot.git->password.expose() == "ghp_xxxx");
    CHECK(snapshot.build_secrets.size() == 2);
}

TEST_CASE("groups the org did not save are empty", "[sync][ignite]") {
    OrgSnapshot snapshot;
    REQUIRE(ignite(R"({})", snapshot));
    REQUIRE(ignite(R"({"registryCredentials": null, "gitCredentials": null})", snapshot));
    CHECK(snapshot.registries.empty());
    CHECK_FALSE(snapshot.git);
}

TEST_CASE("a 200 answer of another shape is refused, so that it removes nothing", "[sync][ignite][gitpod]") {
    for (const char* other : {R"({"status": "down for maintenance"})", R"({"registrycredentials": {}})",
                              R"({"error": {"code": 503, "message": "upstream"}})", R"({"success": true})"}) {
        INFO(other);
        OrgSnapshot snapshot;
        auto parsed = ignite(other, snapshot);
        REQUIRE_FALSE(parsed);
        CHECK_THAT(parsed.error().message, Catch::Contains("none of registryCredentials, gitCredentials, buildSecrets"));
        CHECK_FALSE(sync::parse_gitpod_list(other));
    }
    OrgSnapshot snapshot;
    CHECK(ignite(R"({"buildSecrets": {"A": "1"}, "updateTime": "2026-01-01T00:00:00Z"})", snapshot));
    CHECK(sync::parse_gitpod_list(R"({})"));
    CHECK(sync::parse_gitpod_list(R"({"pagination": {}})"));
}

TEST_CASE("a name or address from the org is quoted printable, never with its user information", "[sync][ignite]") {
    OrgSnapshot snapshot;
    auto parsed = ignite("{\"registryCredentials\": {\"https://bot:hunter2@ghcr.io/\\u001b[2J\": \"%%%\"}}", snapshot);
    REQUIRE_FALSE(parsed);
    CHECK(parsed.error().message.find("hunter2") == std::string::npos);
    CHECK(parsed.error().message.find('\x1b') == std::string::npos);
    auto typed = ignite("{\"buildSecrets\": {\"\\u001b]0;owned\\u0007\": 5}}", snapshot);
    REQUIRE_FALSE(typed);
    CHECK_THAT(typed.error().message, Catch::Contains("buildSecrets['\\x1b]0;owned\\x07'] is not a string"));
}

TEST_CASE("base64 without padding is accepted", "[sync][ignite]") {
    OrgSnapshot snapshot;
    std::string unpadded = base64("u:p1");
    while (unpadded.ends_with('=')) {
        unpadded.pop_back();
    }
    REQUIRE(ignite(R"({"registryCredentials": {"ghcr.io": ")" + unpadded + "\"}}", snapshot));
    CHECK(snapshot.registries[0].secret.expose() == "p1");
}

TEST_CASE("a malformed ignite answer is refused whole, without quoting a value", "[sync][ignite]") {
    for (const std::string& bad : {
             std::string("{\"registryCredentials\": {\"ghcr.io\": \"%%% not base64\"}}"),
             "{\"registryCredentials\": {\"ghcr.io\": \"" + base64("no-colon-hunter2") + "\"}}",
             "{\"registryCredentials\": {\"ghcr.io\": \"" + base64(":hunter2") + "\"}}",
             "{\"registryCredentials\": {\"ftp://x\": \"" + base64("u:hunter2") + "\"}}",
             std::string("{\"registryCredentials\": {\"ghcr.io\": 12}}"),
             std::string("{\"registryCredentials\": [\"ghcr.io\"]}"),
             std::string("{\"gitCredentials\": {\"username\": \"bot\"}}"),
             std::string("{\"gitCredentials\": {\"username\": \"bot\", \"password\": \"hunter2\\nusername=evil\"}}"),
             std::string("{\"gitCredentials\": \"bot:hunter2\"}"),
             std::string("{\"buildSecrets\": {\"NOT AN ENV NAME\": \"hunter2\"}}"),
             std::string("{\"buildSecrets\": {\"OK\": 5}}"),
             // A NUL would end the variable: on Windows what follows became variables of its own.
             std::string("{\"buildSecrets\": {\"NPM_TOKEN\": \"hunter2\\u0000NODE_OPTIONS=--require x\"}}"),
             std::string("[]"),
             std::string("{\"registryCredentials\": {\"ghcr.io\": \"x\""),
             std::string("<html>"),
         }) {
        INFO(bad);
        OrgSnapshot snapshot;
        auto parsed = ignite(bad, snapshot);
        REQUIRE_FALSE(parsed);
        CHECK_THAT(parsed.error().message, Catch::StartsWith("the org's answer is malformed"));
        CHECK(parsed.error().message.find("hunter2") == std::string::npos);
    }
}

TEST_CASE("gitpod's list keeps only registry secrets and the next page token", "[sync][gitpod]") {
    auto page = sync::parse_gitpod_list(R"({"secrets": [
        {"id": "1", "name": "DOCKER_AUTH", "containerRegistryBasicAuthHost": "https://registry.example.com"},
        {"id": "2", "name": "DATABASE_URL", "environmentVariable": true},
        {"id": "3", "name": "EMPTY_HOST", "containerRegistryBasicAuthHost": ""}],
        "pagination": {"nextToken": "100"}})");
    REQUIRE(page);
    REQUIRE(page->registry_secrets.size() == 1);
    CHECK(page->registry_secrets[0].id == "1");
    CHECK(page->registry_secrets[0].registry_host == "https://registry.example.com");
    CHECK(page->next_token == "100");
    CHECK(sync::gitpod_list_request("100") == R"({"pagination":{"pageSize":100,"token":"100"}})");
}

TEST_CASE("a gitpod registry secret's value is username:password", "[sync][gitpod]") {
    OrgSnapshot snapshot;
    REQUIRE(sync::parse_gitpod_value(R"({"value": "alice:pa:ss"})", "https://registry.example.com", snapshot));
    CHECK(snapshot.registries[0].username == "alice");
    CHECK(snapshot.registries[0].secret.expose() == "pa:ss");
    OrgSnapshot bad;
    CHECK_FALSE(sync::parse_gitpod_value(R"({"value": "no-colon"})", "registry.example.com", bad));
    CHECK_FALSE(sync::parse_gitpod_value(R"({"value": 1})", "registry.example.com", bad));
}

TEST_CASE("org error messages come from either error form, one line, token blanked", "[sync]") {
    CHECK(sync::org_error_message(R"({"code": 16, "message": "token expired", "details": []})", "s3cr3t") ==
          "token expired");
    CHECK(sync::org_error_message(R"({"code": "unauthenticated", "message": "bad token tok-123"})", "tok-123") ==
          "bad token ***");
    // A line break stays one line, shown as what it is.
    CHECK(sync::org_error_message("{\"code\": 13, \"message\": \"line\\nbreak\"}", "") == "line\\x0abreak");
    CHECK(sync::org_error_message("{\"message\": \"caf\xC3\"}", "") == "caf\xEF\xBF\xBD");
    CHECK(sync::org_error_message("<html>", "x").empty());
}

TEST_CASE("blanking a token that the blank itself contains ends", "[sync]") {
    // Found by tests/fuzz/org_answer_fuzzer: a token "*" was found again in each "***" that
    // replaced it, and `keyhold sync` hung growing the message.
    CHECK(sync::org_error_message(R"({"message": "a*b"})", "*") == "a***b");
    CHECK(sync::org_error_message(R"({"message": "tok tok"})", "tok") == "*** ***");
}

TEST_CASE("the git hosts of the org's PAT: configured, else its prefix, else none", "[sync]") {
    CHECK(sync::git_hosts_for({"git.example.com"}, "ghp_x") == std::vector<std::string>{"git.example.com"});
    CHECK(sync::git_hosts_for({}, "ghp_abc") == std::vector<std::string>{"github.com"});
    CHECK(sync::git_hosts_for({}, "github_pat_abc") == std::vector<std::string>{"github.com"});
    CHECK(sync::git_hosts_for({}, "glpat-abc") == std::vector<std::string>{"gitlab.com"});
    CHECK(sync::git_hosts_for({}, "opaque").empty());
}
