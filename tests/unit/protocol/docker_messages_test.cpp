#include "support/catch.hpp"

#include "keyhold/protocol/docker_messages.hpp"

using namespace keyhold;
using protocol::parse_store_request;

namespace {

struct Parsed {
    crypto::SecureBuffer storage;
    Result<protocol::DockerCredentials> credentials;
};

Parsed parse(std::string_view json) {
    Parsed parsed{crypto::SecureBuffer(), fail("not parsed")};
    parsed.credentials = parse_store_request(json, parsed.storage);
    return parsed;
}

}  // namespace

TEST_CASE("a store request gives its three fields", "[protocol][docker]") {
    auto parsed = parse(R"({"ServerURL":"https://ghcr.io","Username":"alice","Secret":"s3cret"})");
    REQUIRE(parsed.credentials);
    CHECK(parsed.credentials->server_url == "https://ghcr.io");
    CHECK(parsed.credentials->username == "alice");
    CHECK(parsed.credentials->secret.expose() == "s3cret");
}

TEST_CASE("a store request may span lines, escape characters and carry unknown fields", "[protocol][docker]") {
    auto parsed = parse(
        "{\n  \"ServerURL\": \"https://ghcr.io\",\n  \"Extra\": {\"nested\": [1, 2.5, null, true]},\n"
        "  \"Username\": \"\\u003ctoken\\u003e\",\n  \"Secret\": \"a\\\"b\\\\c\\u00e9\\n\"\n}\n");
    REQUIRE(parsed.credentials);
    CHECK(parsed.credentials->username == "<token>");
    CHECK(parsed.credentials->secret.expose() == "a\"b\\c\xc3\xa9\n");
}

TEST_CASE("an unknown field is ignored whatever number it holds, as Go's encoding/json does", "[protocol][docker]") {
    for (const char* extra : {"1e999", "-1e999", "123456789012345678901234567890", "[1e400, {\"a\": -0.5e-999}]"}) {
        INFO(extra);
        auto parsed = parse(std::string("{\"ServerURL\":\"ghcr.io\",\"Username\":\"alice\",\"X\":") + extra +
                            ",\"Secret\":\"1e999 stays text\"}");
        REQUIRE(parsed.credentials);
        CHECK(parsed.credentials->username == "alice");
        CHECK(parsed.credentials->secret.expose() == "1e999 stays text");
    }
    // A number where a string belongs is still refused, and an invalid number still is not JSON.
    CHECK_FALSE(parse(R"({"ServerURL":"ghcr.io","Username":1e999,"Secret":"s"})").credentials);
    CHECK_FALSE(parse(R"({"ServerURL":"ghcr.io","Username":"a","Secret":"s","X":01})").credentials);
    CHECK_FALSE(parse(R"({"ServerURL":"ghcr.io","Username":"a","Secret":"s","X":1e})").credentials);
}

TEST_CASE("field names match regardless of case, as Go's encoding/json does", "[protocol][docker]") {
    auto parsed = parse(R"({"serverurl":"ghcr.io","USERNAME":"alice","secret":"x"})");
    REQUIRE(parsed.credentials);
    CHECK(parsed.credentials->server_url == "ghcr.io");
    CHECK(parsed.credentials->username == "alice");
}

TEST_CASE("null and absent fields are empty", "[protocol][docker]") {
    auto parsed = parse(R"({"ServerURL":null,"Username":"alice"})");
    REQUIRE(parsed.credentials);
    CHECK(parsed.credentials->server_url.empty());
    CHECK(parsed.credentials->secret.empty());
}

TEST_CASE("malformed store requests are refused without quoting them", "[protocol][docker]") {
    for (const char* bad : {"", "{", "not json", R"({"ServerURL":"x","Secret":"hunter2)", "[1,2]", "\"string\"",
                            R"({"ServerURL":1,"Username":"u","Secret":"hunter2"})",
                            R"({"ServerURL":"x","Username":"u","Secret":{"hunter2":1}})",
                            R"({"ServerURL":"x","Username":"u","Secret":"hunter2"} trailing)"}) {
        INFO(bad);
        auto parsed = parse(bad);
        REQUIRE_FALSE(parsed.credentials);
        CHECK_THAT(parsed.credentials.error().message, Catch::StartsWith("invalid store request"));
        CHECK(parsed.credentials.error().message.find("hunter2") == std::string::npos);
    }
}

TEST_CASE("a secret over 64 KiB is kept whole", "[protocol][docker]") {
    const std::string secret(200 * 1024, 's');
    auto parsed = parse(R"({"ServerURL":"ghcr.io","Username":"u","Secret":")" + secret + "\"}");
    REQUIRE(parsed.credentials);
    CHECK(parsed.credentials->secret.expose() == secret);
}

TEST_CASE("get answers one JSON line in the reference helpers' field order", "[protocol][docker]") {
    const auto response = protocol::format_get_response({"docker.io", "alice", crypto::SecretView("p\"w")});
    CHECK(response.text() == "{\"ServerURL\":\"docker.io\",\"Username\":\"alice\",\"Secret\":\"p\\\"w\"}\n");
}

TEST_CASE("list answers a JSON object, {} when empty", "[protocol][docker]") {
    CHECK(protocol::format_list_response({}) == "{}\n");
    const std::vector<protocol::ListedAccount> accounts = {{"z.example", "zed"}, {"https://index.docker.io/v1/", "h\"ub"}};
    CHECK(protocol::format_list_response(accounts) ==
          "{\"z.example\":\"zed\",\"https://index.docker.io/v1/\":\"h\\\"ub\"}\n");
}
