#include "cli/git_credentials_file.hpp"

#include "support/catch.hpp"

using namespace keyhold::cli;

TEST_CASE("git-credential-store lines are percent-decoded as git reads them", "[cli]") {
    const auto file = parse_git_credentials(
        "https://alice:p%40ss%3Aw%2Fd%25@git.example.com\n"
        "http://bob%40corp:x@git.example.com:8080/org/repo.git\n"
        "https://carol:100%zz@h.example/a%20b/\n");
    REQUIRE(file.credentials.size() == 3);
    CHECK(file.other_lines.empty());
    const auto& alice = file.credentials[0];
    CHECK(alice.line == 0);
    CHECK(alice.protocol == "https");
    CHECK(alice.host == "git.example.com");
    CHECK(alice.path.empty());
    CHECK(alice.username == "alice");
    CHECK(alice.password.text() == "p@ss:w/d%");
    const auto& bob = file.credentials[1];
    CHECK(bob.username == "bob@corp");
    CHECK(bob.host == "git.example.com:8080");
    CHECK(bob.path == "org/repo.git");
    CHECK(file.credentials[2].password.text() == "100%zz");  // not an escape: kept, as git's url_decode does
    CHECK(file.credentials[2].path == "a b");
}

TEST_CASE("lines that are no credential are kept, and removal keeps every other byte", "[cli]") {
    const std::string text =
        "# notes\n"
        "https://alice:pw@a.example\n"
        "\n"
        "https://nopassword@b.example\n"
        "https://bad:new%0aline@c.example\n"
        "not a url\n"
        "https://dave:pw2@d.example";
    const auto file = parse_git_credentials(text);
    REQUIRE(file.credentials.size() == 2);
    CHECK(file.credentials[0].line == 1);
    CHECK(file.credentials[1].line == 6);
    CHECK(file.other_lines == std::vector<std::size_t>{0, 3, 4, 5});  // a decoded newline is refused (CVE-2020-5260)
    CHECK(without_lines(text, {1, 6}) ==
          "# notes\n\nhttps://nopassword@b.example\nhttps://bad:new%0aline@c.example\nnot a url\n");
    CHECK(without_lines(text, {}) == text);
}

TEST_CASE("a line is split where git splits it, never for another host", "[cli]") {
    // git's credential_from_url: the first '@', the host ending at '/', '?' or '#', the protocol
    // as written. Split from the last '@', the first line would be a credential for git.example.com
    // that git only ever sent to evil.example.
    const auto file = parse_git_credentials(
        "https://alice:pw@evil.example#@git.example.com\n"
        "https://bob:p@ss@git.example.com\n"
        "http%73://carol:pw@git.example.com\n"
        "https://dave@corp:pw@git.example.com\n"
        "https://erin:pw@git.example.com//org/repo//\n");
    REQUIRE(file.credentials.size() == 4);
    CHECK(file.credentials[0].host == "evil.example");
    CHECK(file.credentials[0].path == "#@git.example.com");
    CHECK(file.credentials[1].host == "ss@git.example.com");
    CHECK(file.credentials[1].password.text() == "p");
    CHECK(file.credentials[2].protocol == "http%73");
    CHECK(file.other_lines == std::vector<std::size_t>{3});  // a user name without a password, for git
    CHECK(file.credentials[3].path == "org/repo");
}

TEST_CASE("a protocol holding a raw NUL, CR or LF is no credential", "[cli]") {
    // The protocol is taken as written (git does not decode it), so its raw bytes are refused as
    // the decoded user name, password and host's are (the client_files fuzzer's finding).
    for (const char bad : {'\0', '\r'}) {
        std::string text = "xps://bad:pw@c.example\n";
        text[0] = bad;
        const GitCredentialsFile file = parse_git_credentials(text);
        CHECK(file.credentials.empty());
        CHECK(file.other_lines == std::vector<std::size_t>{0});
    }
}
