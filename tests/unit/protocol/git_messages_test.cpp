#include "support/catch.hpp"

#include "keyhold/protocol/git_messages.hpp"

using namespace keyhold;
using protocol::GitRequest;

namespace {

struct Parsed {
    crypto::SecureArena storage;
    Result<GitRequest> request;
};

Parsed parse(std::string_view input) {
    Parsed parsed{crypto::SecureArena(), fail("not parsed")};
    parsed.request = protocol::parse_git_request(input, parsed.storage);
    return parsed;
}

}  // namespace

TEST_CASE("git attributes are read up to the blank line", "[git][protocol]") {
    auto parsed = parse("protocol=https\nhost=example.com:8443\npath=org/repo.git\nusername=alice\npassword=s3cret\n"
                        "\nprotocol=ignored\n");
    REQUIRE(parsed.request);
    CHECK(parsed.request->protocol == "https");
    CHECK(parsed.request->host == "example.com:8443");
    CHECK(parsed.request->path == "org/repo.git");
    CHECK(parsed.request->username == "alice");
    CHECK(parsed.request->password->expose() == "s3cret");
}

TEST_CASE("CRLF line ends and a missing final newline are accepted", "[git][protocol]") {
    auto parsed = parse("protocol=https\r\nhost=example.com\r\nusername=alice");
    REQUIRE(parsed.request);
    CHECK(parsed.request->host == "example.com");
    CHECK(parsed.request->username == "alice");
}

TEST_CASE("an empty value is present, an absent one is not", "[git][protocol]") {
    auto parsed = parse("protocol=https\nhost=sso.tld\nusername=\npassword=\n");
    REQUIRE(parsed.request);
    REQUIRE(parsed.request->username);
    CHECK(parsed.request->username->empty());
    CHECK_FALSE(parse("protocol=https\nhost=sso.tld\n").request->username);
}

TEST_CASE("the newer attributes are understood, unknown ones ignored", "[git][protocol]") {
    auto parsed = parse(
        "capability[]=authtype\ncapability[]=state\nprotocol=https\nhost=example.com\nwwwauth[]=Basic realm=\"x\"\n"
        "state[]=helper:1\npassword_expiry_utc=1999999999\noauth_refresh_token=refresh\nauthtype=Bearer\n"
        "credential=token\nephemeral=1\ncontinue=1\nfuture_attribute=whatever\n");
    REQUIRE(parsed.request);
    CHECK(parsed.request->capability_authtype);
    CHECK(parsed.request->password_expiry_utc == 1999999999);
    CHECK(parsed.request->oauth_refresh_token->expose() == "refresh");
    CHECK(parsed.request->authtype == "Bearer");
    CHECK(parsed.request->credential->expose() == "token");
    CHECK(parsed.request->ephemeral);
}

TEST_CASE("an empty capability[] clears the list", "[git][protocol]") {
    CHECK_FALSE(parse("capability[]=authtype\ncapability[]=\nprotocol=https\n").request->capability_authtype);
}

TEST_CASE("an unparsable expiry means none, as in git", "[git][protocol]") {
    CHECK_FALSE(parse("password_expiry_utc=soon\n").request->password_expiry_utc);
    CHECK_FALSE(parse("password_expiry_utc=0\n").request->password_expiry_utc);
}

TEST_CASE("url= is expanded into its parts and replaces what came before", "[git][protocol]") {
    auto parsed = parse("host=before.example\nurl=https://al%40ice:p%3Ass@Example.com:8443/org/repo.git/\n");
    REQUIRE(parsed.request);
    CHECK(parsed.request->protocol == "https");
    CHECK(parsed.request->host == "Example.com:8443");
    CHECK(parsed.request->path == "org/repo.git");
    CHECK(parsed.request->username == "al@ice");
    CHECK(parsed.request->password->expose() == "p:ss");
}

TEST_CASE("a line of 65535 bytes is kept whole, a longer one refused", "[git][protocol]") {
    const std::string value(65535 - std::string_view("password=").size(), 'p');
    auto parsed = parse("protocol=https\nhost=example.com\npassword=" + value + "\n");
    REQUIRE(parsed.request);
    CHECK(parsed.request->password->size() == value.size());
    CHECK_FALSE(parse("protocol=https\nhost=example.com\npassword=" + value + "p\n").request);
}

TEST_CASE("what git's credential CVEs smuggle is refused", "[git][protocol][security]") {
    for (const std::string_view hostile : {
             std::string_view("url=https://example.com%0ahost=evil.example\n"),    // CVE-2020-5260
             std::string_view("url=https://example.com%0d%0ahost=evil.example\n"),  // CVE-2024-52006
             std::string_view("protocol=https\nhost=example.com\rhost=evil.example\n"),
             std::string_view("protocol=https\nhost=example.com\npassword=a\rb\n"),
             std::string_view("protocol=https\0\nhost=example.com\n", 32),
             std::string_view("url=https://user%00@example.com\n"),
             std::string_view("url=https://example.com/%0arepo\n"),
             std::string_view("protocol=https\nthis line has no equals sign\n"),
             // A control character in a host: stored under it, it would be printed by list and status.
             std::string_view("protocol=https\nhost=example.com\x1b[2J\n"),
             std::string_view("protocol=https\nhost=exa\x01mple.com\n"),
             std::string_view("protocol=https\nhost=example.com\x7f\n"),
             std::string_view("protocol=https\nhost=example.com\tevil\n"),
             std::string_view("url=https://example.com%1b%5b2J/repo\n"),
         }) {
        INFO(hostile);
        auto parsed = parse(hostile);
        REQUIRE_FALSE(parsed.request);
        CHECK_THAT(parsed.request.error().message, Catch::StartsWith("refusing the credential request"));
    }
}

TEST_CASE("a get answer holds only the credential, and authtype only for a git that asked", "[git][protocol]") {
    protocol::GitAnswer answer;
    answer.username = "alice";
    answer.password = crypto::SecretView("s3cret");
    CHECK(protocol::format_git_answer(answer, false).text() == "username=alice\npassword=s3cret\n");
    CHECK(protocol::format_git_answer(answer, true).text() ==
          "capability[]=authtype\nusername=alice\npassword=s3cret\n");

    answer.password_expiry_utc = 1999999999;
    answer.oauth_refresh_token = crypto::SecretView("refresh");
    CHECK(protocol::format_git_answer(answer, false).text() ==
          "username=alice\npassword=s3cret\npassword_expiry_utc=1999999999\noauth_refresh_token=refresh\n");

    protocol::GitAnswer typed;
    typed.authtype = "Bearer";
    typed.credential = crypto::SecretView("token");
    CHECK(protocol::format_git_answer(typed, true).text() ==
          "capability[]=authtype\nauthtype=Bearer\ncredential=token\n");
}
