#include "support/catch.hpp"

#include <fcntl.h>

#include "keyhold/protocol/docker_helper.hpp"
#include "keyhold/store/store.hpp"
#include "support/helper_run.hpp"
#include "support/passphrase_store.hpp"
#include "support/test_support.hpp"

using namespace keyhold;
using testing::read_bytes;
using testing::ScopedEnv;
using testing::TempDir;

namespace {

using Run = testing::HelperRun;

// docker-credential-keyhold VERB, with `input` on stdin, in the fixture's KEYHOLD_HOME.
Run helper(std::vector<std::string_view> verb, std::string_view input = {}) {
    return testing::run_helper(protocol::run_docker_helper, "docker-credential-keyhold", std::move(verb), input);
}

Run helper(std::string_view verb, std::string_view input = {}) { return helper(std::vector{verb}, input); }

std::string store_request(std::string_view url, std::string_view user, std::string_view secret) {
    return "{\"ServerURL\":\"" + std::string(url) + "\",\"Username\":\"" + std::string(user) + "\",\"Secret\":\"" +
           std::string(secret) + "\"}";
}

using HelperFixture = testing::TempPassphraseStore;

}  // namespace

TEST_CASE("store then get answers the credential with the ServerURL as asked", "[protocol][docker]") {
    HelperFixture fixture;
    const Run stored = helper("store", store_request("https://index.docker.io/v1/", "alice", "s3cret"));
    CHECK(stored.exit_code == 0);
    CHECK(stored.out.empty());
    CHECK(stored.err.empty());

    const Run got = helper("get", "registry-1.docker.io\n");
    CHECK(got.exit_code == 0);
    CHECK(got.out == R"({"ServerURL":"registry-1.docker.io","Username":"alice","Secret":"s3cret"})"
                     "\n");
    CHECK(got.err.empty());
}

TEST_CASE("get of an unknown server prints exactly the not-found string", "[protocol][docker]") {
    HelperFixture fixture;
    for (const char* request : {"ghcr.io", "ghcr.io\n", "not a url at all"}) {
        const Run got = helper("get", request);
        CHECK(got.exit_code == 1);
        CHECK(got.out == "credentials not found in native keychain\n");
        CHECK(got.err.empty());
    }
}

TEST_CASE("get before any store exists is not-found, and creates nothing", "[protocol][docker]") {
    TempDir temp;
    ScopedEnv home("KEYHOLD_HOME", (temp.path() / "keyhold").string());
    const Run got = helper("get", "ghcr.io");
    CHECK(got.exit_code == 1);
    CHECK(got.out == "credentials not found in native keychain\n");
    CHECK_FALSE(std::filesystem::exists(temp.path() / "keyhold"));
}

TEST_CASE("missing server URL and username get the reference helpers' messages", "[protocol][docker]") {
    HelperFixture fixture;
    CHECK(helper("get", "  \n").out == "no credentials server URL\n");
    CHECK(helper("erase", "").out == "no credentials server URL\n");
    const Run no_url = helper("store", store_request("", "alice", "x"));
    CHECK(no_url.exit_code == 1);
    CHECK(no_url.out == "no credentials server URL\n");
    const Run no_user = helper("store", store_request("ghcr.io", "", "x"));
    CHECK(no_user.exit_code == 1);
    CHECK(no_user.out == "no credentials username\n");
}

TEST_CASE("erase removes the entry, and erasing it again or something absent succeeds", "[protocol][docker]") {
    HelperFixture fixture;
    REQUIRE(helper("store", store_request("127.0.0.1:5000", "alice", "x")).exit_code == 0);
    // docker logout erases several spellings of one host in a row.
    for (const char* spelling : {"127.0.0.1:5000", "http://127.0.0.1:5000", "https://127.0.0.1:5000"}) {
        const Run erased = helper("erase", spelling);
        CHECK(erased.exit_code == 0);
        CHECK(erased.out.empty());
        CHECK(erased.err.empty());
    }
    CHECK(helper("get", "127.0.0.1:5000").exit_code == 1);
}

TEST_CASE("erase with no store at all succeeds and creates nothing", "[protocol][docker]") {
    TempDir temp;
    ScopedEnv home("KEYHOLD_HOME", (temp.path() / "keyhold").string());
    CHECK(helper("erase", "ghcr.io").exit_code == 0);
    CHECK_FALSE(std::filesystem::exists(temp.path() / "keyhold" / "store"));
}

TEST_CASE("list maps each stored spelling to its username and never shows a secret", "[protocol][docker]") {
    HelperFixture fixture;
    CHECK(helper("list").out == "{}\n");
    REQUIRE(helper("store", store_request("https://index.docker.io/v1/", "hub-user", "hub-secret")).exit_code == 0);
    REQUIRE(helper("store", store_request("127.0.0.1:5000", "local", "local-secret")).exit_code == 0);
    const Run listed = helper("list");
    CHECK(listed.exit_code == 0);
    CHECK(listed.out == R"({"https://index.docker.io/v1/":"hub-user","127.0.0.1:5000":"local"})"
                        "\n");
    CHECK(listed.err.empty());
    // Every listed key answers get.
    CHECK(helper("get", "https://index.docker.io/v1/").exit_code == 0);
    CHECK(helper("get", "127.0.0.1:5000").exit_code == 0);
}

TEST_CASE("storing another spelling of the same registry replaces the entry", "[protocol][docker]") {
    HelperFixture fixture;
    REQUIRE(helper("store", store_request("https://ghcr.io/", "old", "1")).exit_code == 0);
    REQUIRE(helper("store", store_request("ghcr.io", "new", "2")).exit_code == 0);
    CHECK(helper("list").out == "{\"ghcr.io\":\"new\"}\n");
    CHECK(helper("get", "https://ghcr.io").out == R"({"ServerURL":"https://ghcr.io","Username":"new","Secret":"2"})"
                                                  "\n");
}

TEST_CASE("an identity token (<token>) is stored and returned as is", "[protocol][docker]") {
    HelperFixture fixture;
    REQUIRE(helper("store", R"({"ServerURL":"registry.example.com","Username":"\u003ctoken\u003e","Secret":"eyJhbGciOi"})")
                .exit_code == 0);
    CHECK(helper("get", "registry.example.com").out ==
          R"({"ServerURL":"registry.example.com","Username":"<token>","Secret":"eyJhbGciOi"})"
          "\n");
}

TEST_CASE("a secret over 64 KiB goes in and comes out whole", "[protocol][docker]") {
    HelperFixture fixture;
    const std::string secret(300 * 1024, 'k');
    REQUIRE(helper("store", store_request("ghcr.io", "u", secret)).exit_code == 0);
    CHECK(helper("get", "ghcr.io").out == R"({"ServerURL":"ghcr.io","Username":"u","Secret":")" + secret + "\"}\n");
}

TEST_CASE("bad input gets one line on stdout, exit 1, and leaves the store file as it was", "[protocol][docker]") {
    HelperFixture fixture;
    REQUIRE(helper("store", store_request("ghcr.io", "alice", "s3cret")).exit_code == 0);
    const auto before = read_bytes(fixture.store_file());

    const std::string oversized = store_request("ghcr.io", "alice", std::string(1100 * 1024, 'x'));
    const std::vector<std::pair<std::vector<std::string_view>, std::string>> cases = {
        {{"store"}, "{not json"},
        {{"store"}, ""},
        {{"store"}, R"({"ServerURL":"ghcr.io"})"},
        {{"store"}, R"({"Username":"alice","Secret":"x"})"},
        {{"store"}, store_request("ftp://ghcr.io", "alice", "x")},
        {{"store"}, oversized},
        {{"get"}, std::string(1100 * 1024, 'h')},
        {{"frobnicate"}, ""},
        {{}, ""},
        {{"get", "extra"}, "ghcr.io"},
    };
    for (const auto& [verb, input] : cases) {
        INFO((verb.empty() ? std::string("(no verb)") : std::string(verb[0])) << " with " << input.substr(0, 60));
        const Run run = helper(verb, input);
        CHECK(run.exit_code == 1);
        REQUIRE_FALSE(run.out.empty());
        CHECK(run.out.find('\n') == run.out.size() - 1);
        CHECK(run.err.empty());
        CHECK(read_bytes(fixture.store_file()) == before);
    }
}

TEST_CASE("a server URL holding a password is refused without echoing it, also to KEYHOLD_DEBUG", "[protocol][docker]") {
    HelperFixture fixture;
    const auto before = read_bytes(fixture.store_file());
    for (const std::string_view url : {"https://alice:PW-1234@ghcr.io", "alice:PW-1234@ghcr.io/team", "https://a:PW-1234@@x"}) {
        INFO(url);
        const Run stored = helper("store", store_request(url, "alice", "s3cret"));
        CHECK(stored.exit_code == 1);
        CHECK(stored.out.find("PW-1234") == std::string::npos);
        CHECK(stored.out.find("user name or password") != std::string::npos);
        protocol::HelperStreams streams{testing::memory_file(url), testing::memory_file(""), testing::memory_file("")};
        Settings debug_settings = settings_from_environment();
        debug_settings.debug = true;
        const std::vector<std::string_view> args = {"docker-credential-keyhold", "get"};
        CHECK(protocol::run_docker_helper(args, streams, debug_settings) == 1);
        ::close(streams.in_fd);
        CHECK(testing::drain(streams.out_fd) == "credentials not found in native keychain\n");
        const std::string debug = testing::drain(streams.err_fd);
        CHECK(debug.find("PW-1234") == std::string::npos);
        CHECK_FALSE(debug.empty());
    }
    CHECK(read_bytes(fixture.store_file()) == before);
}

TEST_CASE("a closed stdin is reported as such, and an answer that cannot be written fails", "[protocol][docker]") {
    HelperFixture fixture;
    REQUIRE(helper("store", store_request("ghcr.io", "alice", "s3cret")).exit_code == 0);
    const Settings settings = settings_from_environment();
    protocol::HelperStreams closed_stdin{-1, testing::memory_file(""), testing::memory_file("")};
    const std::vector<std::string_view> get = {"docker-credential-keyhold", "get"};
    CHECK(protocol::run_docker_helper(get, closed_stdin, settings) == 1);
    const std::string said = testing::drain(closed_stdin.out_fd);
    ::close(closed_stdin.err_fd);
    CHECK_THAT(said, Catch::StartsWith("cannot read the request on stdin"));
    CHECK(said.find("larger than") == std::string::npos);

    // An answer that cannot be written (as `list >/dev/full`; here a descriptor open for reading
    // only, on every OS): it does not arrive, so the exit code must say so.
    const int full = testing::read_only_file();
    protocol::HelperStreams to_full{testing::memory_file(""), full, testing::memory_file("")};
    const std::vector<std::string_view> list = {"docker-credential-keyhold", "list"};
    CHECK(protocol::run_docker_helper(list, to_full, settings) == 1);
    ::close(to_full.in_fd);
    ::close(full);
    ::close(to_full.err_fd);
}

TEST_CASE("version prints one line", "[protocol][docker]") {
    const Run version = helper("version");
    CHECK(version.exit_code == 0);
    CHECK_THAT(version.out, Catch::StartsWith("docker-credential-keyhold (keyhold) "));
    CHECK(version.out.find('\n') == version.out.size() - 1);
}
