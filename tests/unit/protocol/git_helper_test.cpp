#include "support/catch.hpp"

#include "keyhold/protocol/docker_helper.hpp"
#include "keyhold/protocol/git_helper.hpp"
#include "support/helper_run.hpp"
#include "support/passphrase_store.hpp"

using namespace keyhold;
using testing::read_bytes;

namespace {

testing::HelperRun git(std::string_view operation, std::string_view input) {
    return testing::run_helper(protocol::run_git_helper, "git-credential-keyhold", {operation}, input);
}

testing::HelperRun docker(std::string_view verb, std::string_view input) {
    return testing::run_helper(protocol::run_docker_helper, "docker-credential-keyhold", {verb}, input);
}

constexpr std::string_view kStoreAlice = "protocol=https\nhost=example.com\nusername=alice\npassword=s3cret\n";

}  // namespace

TEST_CASE("git store then get answers username and password, nothing on stderr", "[git][helper]") {
    testing::TempPassphraseStore fixture;
    const auto stored = git("store", kStoreAlice);
    CHECK(stored.exit_code == 0);
    CHECK(stored.out.empty());
    CHECK(stored.err.empty());
    const auto got = git("get", "protocol=https\nhost=example.com\n\n");
    CHECK(got.exit_code == 0);
    CHECK(got.out == "username=alice\npassword=s3cret\n");
    CHECK(got.err.empty());
}

TEST_CASE("git get of nothing stored is silence and exit 0", "[git][helper]") {
    testing::TempPassphraseStore fixture;
    const auto got = git("get", "protocol=https\nhost=example.com\n");
    CHECK(got.exit_code == 0);
    CHECK(got.out.empty());
    CHECK(got.err.empty());
}

TEST_CASE("store overwrites the same protocol, host, path and username", "[git][helper]") {
    testing::TempPassphraseStore fixture;
    REQUIRE(git("store", kStoreAlice).exit_code == 0);
    REQUIRE(git("store", "protocol=https\nhost=example.com\nusername=alice\npassword=rotated\n").exit_code == 0);
    CHECK(git("get", "protocol=https\nhost=example.com\nusername=alice\n").out == "username=alice\npassword=rotated\n");
}

TEST_CASE("an expired password is not served", "[git][helper]") {
    testing::TempPassphraseStore fixture;
    REQUIRE(git("store", "protocol=https\nhost=old.example\nusername=u\npassword=p\npassword_expiry_utc=1000\n")
                .exit_code == 0);
    CHECK(git("get", "protocol=https\nhost=old.example\n").out.empty());
    REQUIRE(git("store", "protocol=https\nhost=new.example\nusername=u\npassword=p\npassword_expiry_utc=4102444800\n"
                         "oauth_refresh_token=refresh\n")
                .exit_code == 0);
    CHECK(git("get", "protocol=https\nhost=new.example\n").out ==
          "username=u\npassword=p\npassword_expiry_utc=4102444800\noauth_refresh_token=refresh\n");
}

TEST_CASE("an ephemeral credential is not stored", "[git][helper]") {
    testing::TempPassphraseStore fixture;
    const auto before = read_bytes(fixture.store_file());
    CHECK(git("store", "protocol=https\nhost=example.com\nusername=u\npassword=p\nephemeral=1\n").exit_code == 0);
    CHECK(read_bytes(fixture.store_file()) == before);
}

TEST_CASE("an authtype credential is stored and answered only to a git that announced the capability", "[git][helper]") {
    testing::TempPassphraseStore fixture;
    REQUIRE(git("store", "capability[]=authtype\nprotocol=https\nhost=example.com\nauthtype=Bearer\ncredential=tok\n")
                .exit_code == 0);
    CHECK(git("get", "capability[]=authtype\nprotocol=https\nhost=example.com\n").out ==
          "capability[]=authtype\nauthtype=Bearer\ncredential=tok\n");
    CHECK(git("get", "protocol=https\nhost=example.com\n").out.empty());
}

TEST_CASE("capability[]=authtype is announced back only when git announced it", "[git][helper]") {
    testing::TempPassphraseStore fixture;
    REQUIRE(git("store", kStoreAlice).exit_code == 0);
    CHECK(git("get", "protocol=https\nhost=example.com\n").out.find("capability") == std::string::npos);
    CHECK(git("get", "capability[]=authtype\nprotocol=https\nhost=example.com\n").out ==
          "capability[]=authtype\nusername=alice\npassword=s3cret\n");
}

TEST_CASE("erase with a password removes only the entry holding it", "[git][helper]") {
    testing::TempPassphraseStore fixture;
    REQUIRE(git("store", kStoreAlice).exit_code == 0);
    CHECK(git("erase", "protocol=https\nhost=example.com\nusername=alice\npassword=stale\n").exit_code == 0);
    CHECK(git("get", "protocol=https\nhost=example.com\n").out == "username=alice\npassword=s3cret\n");
    CHECK(git("erase", "protocol=https\nhost=example.com\nusername=alice\npassword=s3cret\n").exit_code == 0);
    CHECK(git("get", "protocol=https\nhost=example.com\n").out.empty());
}

TEST_CASE("erase without a username forgets every user of the host", "[git][helper]") {
    testing::TempPassphraseStore fixture;
    REQUIRE(git("store", "protocol=https\nhost=example.com\nusername=u1\npassword=1\n").exit_code == 0);
    REQUIRE(git("store", "protocol=https\nhost=example.com\nusername=u2\npassword=2\n").exit_code == 0);
    REQUIRE(git("store", "protocol=https\nhost=other.example\nusername=u3\npassword=3\n").exit_code == 0);
    CHECK(git("erase", "protocol=https\nhost=example.com\n").exit_code == 0);
    CHECK(git("get", "protocol=https\nhost=example.com\n").out.empty());
    CHECK(git("get", "protocol=https\nhost=other.example\n").out == "username=u3\npassword=3\n");
}

TEST_CASE("hostile requests answer nothing and store nothing", "[git][helper][security]") {
    testing::TempPassphraseStore fixture;
    REQUIRE(git("store", kStoreAlice).exit_code == 0);
    const auto before = read_bytes(fixture.store_file());
    for (const std::string_view hostile : {
             std::string_view("url=https://evil.example%0ahost=example.com\n"),      // CVE-2020-5260
             std::string_view("url=https://evil.example%0d%0ahost=example.com\n"),   // CVE-2024-52006
             std::string_view("protocol=https\nhost=example.com\rx\n"),
             std::string_view("host=example.com\n"),                                 // CVE-2020-11008
             std::string_view("protocol=https\n"),
             std::string_view("url=https:///\n"),
         }) {
        INFO(hostile);
        CHECK(git("get", hostile).out.empty());
        (void)git("store", std::string(hostile) + "username=mallory\npassword=x\n");
        CHECK(read_bytes(fixture.store_file()) == before);
    }
}

TEST_CASE("another protocol or a look-alike host gets nothing", "[git][helper][security]") {
    testing::TempPassphraseStore fixture;
    REQUIRE(git("store", kStoreAlice).exit_code == 0);
    for (const std::string_view other : {
             std::string_view("protocol=http\nhost=example.com\n"),
             std::string_view("protocol=https\nhost=evil-example.com\n"),
             std::string_view("protocol=https\nhost=example.com.evil.net\n"),
             std::string_view("protocol=https\nhost=sub.example.com\n"),
             std::string_view("protocol=https\nhost=example.com:444\n"),
         }) {
        INFO(other);
        const auto got = git("get", other);
        CHECK(got.exit_code == 0);
        CHECK(got.out.empty());
    }
}

TEST_CASE("a refused request says why on stderr in one line and exits 1", "[git][helper]") {
    testing::TempPassphraseStore fixture;
    const auto got = git("get", "url=https://example.com%0ahost=evil\n");
    CHECK(got.exit_code == 1);
    CHECK(got.out.empty());
    CHECK_THAT(got.err, Catch::StartsWith("git-credential-keyhold: refusing the credential request"));
    CHECK(got.err.find('\n') == got.err.size() - 1);
}

TEST_CASE("an unknown operation is ignored, as gitcredentials(7) asks", "[git][helper]") {
    testing::TempPassphraseStore fixture;
    const auto before = read_bytes(fixture.store_file());
    const auto run = git("frobnicate", kStoreAlice);
    CHECK(run.exit_code == 0);
    CHECK(run.out.empty());
    CHECK(read_bytes(fixture.store_file()) == before);
}

TEST_CASE("git and docker entries never answer each other", "[git][helper]") {
    testing::TempPassphraseStore fixture;
    REQUIRE(git("store", "protocol=https\nhost=ghcr.io\nusername=git-user\npassword=git-pass\n").exit_code == 0);
    CHECK(docker("get", "ghcr.io").out == "credentials not found in native keychain\n");
    CHECK(docker("list", "").out == "{}\n");
    REQUIRE(docker("store", R"({"ServerURL":"registry.example","Username":"d","Secret":"s"})").exit_code == 0);
    CHECK(git("get", "protocol=https\nhost=registry.example\n").out.empty());
}

TEST_CASE("with KEYHOLD_DEBUG=1 git get says on stderr why nothing matched, and nothing on stdout", "[git][helper]") {
    testing::TempPassphraseStore fixture;
    testing::ScopedEnv debug("KEYHOLD_DEBUG", "1");  // read as the main reads it: settings_from_environment()
    const auto stored = git("store", kStoreAlice);
    REQUIRE(stored.exit_code == 0);
    CHECK(stored.err.empty());  // kept: nothing to explain

    const auto nothing = git("get", "protocol=https\nhost=other.example\npath=team/repo.git\n\n");
    CHECK(nothing.exit_code == 0);
    CHECK(nothing.out.empty());
    CHECK_THAT(nothing.err, Catch::StartsWith("git-credential-keyhold: no git entry in ") &&
                                Catch::Contains("answers https://other.example/team/repo.git"));
    CHECK(nothing.err.find('\n') == nothing.err.size() - 1);

    // The username git sent may be a token: it is never shown.
    const auto with_user = git("get", "protocol=https\nhost=example.com\nusername=TOKEN-1234\n\n");
    CHECK(with_user.exit_code == 0);
    CHECK(with_user.out.empty());
    CHECK_THAT(with_user.err, Catch::Contains("https://example.com (with the username git sent)"));
    CHECK(with_user.err.find("TOKEN-1234") == std::string::npos);

    const auto no_host = git("get", "protocol=https\n\n");
    CHECK(no_host.out.empty());
    CHECK_THAT(no_host.err, Catch::Contains("no protocol and host"));

    const auto ephemeral = git("store", "protocol=https\nhost=example.com\nusername=bob\npassword=s3cret\nephemeral=1\n");
    CHECK(ephemeral.exit_code == 0);
    CHECK(ephemeral.out.empty());
    CHECK_THAT(ephemeral.err, Catch::Contains("not kept: git marked the credential ephemeral"));

    // An answer is printed as without KEYHOLD_DEBUG, and stderr stays quiet; no secret is ever on stderr.
    const auto found = git("get", "protocol=https\nhost=example.com\n\n");
    CHECK(found.out == "username=alice\npassword=s3cret\n");
    CHECK(found.err.empty());
    for (const auto* run : {&nothing, &with_user, &no_host, &ephemeral}) {
        CHECK(run->err.find("s3cret") == std::string::npos);
    }
}

TEST_CASE("with KEYHOLD_DEBUG=1 git get before any store exists says so, and creates none", "[git][helper]") {
    testing::TempDir temp;
    testing::ScopedEnv home("KEYHOLD_HOME", (temp.path() / "keyhold").string());
    testing::ScopedEnv debug("KEYHOLD_DEBUG", "1");
    const auto got = git("get", "protocol=https\nhost=example.com\n\n");
    CHECK(got.exit_code == 0);
    CHECK(got.out.empty());
    CHECK_THAT(got.err, Catch::Contains("there is no store in " + (temp.path() / "keyhold").string() + " yet"));
    CHECK_FALSE(std::filesystem::exists(temp.path() / "keyhold"));
}
