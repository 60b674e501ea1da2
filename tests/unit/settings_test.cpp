#include "keyhold/settings.hpp"

#include "support/catch.hpp"

#include <fstream>
#ifdef __linux__
#include <unistd.h>
#endif

#include "keyhold/store/store.hpp"
#include "support/test_support.hpp"

using namespace keyhold;
using std::chrono::seconds;
using testing::ScopedEnv;
using testing::TempDir;

namespace {

seconds lifetime_with(std::optional<std::string> value) {
    ScopedEnv variable("KEYHOLD_KEY_CACHE_SECONDS", std::move(value));
    return settings_from_environment().key_cache_lifetime;
}

bool debug_with(std::optional<std::string> value) {
    ScopedEnv variable("KEYHOLD_DEBUG", std::move(value));
    return settings_from_environment().debug;
}

}  // namespace

TEST_CASE("the key cache lifetime: the default when unset, whole seconds, else off", "[settings]") {
    CHECK(lifetime_with(std::nullopt) == kDefaultKeyCacheLifetime);
    CHECK(kDefaultKeyCacheLifetime == seconds(900));
    CHECK(lifetime_with("") == kDefaultKeyCacheLifetime);  // empty is no setting
    CHECK(lifetime_with("0") == seconds(0));
    CHECK(lifetime_with("30") == seconds(30));
    CHECK(lifetime_with("86400") == seconds(86400));
    CHECK(lifetime_with("604800") == seconds(604800));  // a week, the longest
    CHECK(lifetime_with("604801") == seconds(0));
    CHECK(lifetime_with("4294967296") == seconds(0));  // would wrap the kernel's 32-bit timeout to "never"
    // Anything else turns the cache off rather than keep a key longer than was asked.
    CHECK(lifetime_with("-5") == seconds(0));
    CHECK(lifetime_with("abc") == seconds(0));
    CHECK(lifetime_with("30s") == seconds(0));
    CHECK(lifetime_with(" 30") == seconds(0));
    CHECK(lifetime_with("+30") == seconds(0));
    CHECK(lifetime_with("1.5") == seconds(0));
    CHECK(lifetime_with("99999999999999999999") == seconds(0));  // past any integer
}

TEST_CASE("KEYHOLD_DEBUG is on when set to anything but empty or 0", "[settings]") {
    CHECK_FALSE(debug_with(std::nullopt));
    CHECK_FALSE(debug_with(""));
    CHECK_FALSE(debug_with("0"));
    CHECK(debug_with("1"));
    CHECK(debug_with("yes"));
}

TEST_CASE("KEYHOLD_HOME is made absolute and normal once, and empty or unset is none", "[settings]") {
    TempDir temp;
    {
        ScopedEnv home("KEYHOLD_HOME", std::nullopt);
        const Settings settings = settings_from_environment();
        REQUIRE(settings.keyhold_home);
        CHECK_FALSE(*settings.keyhold_home);
    }
    {
        ScopedEnv home("KEYHOLD_HOME", "");  // never the working directory
        const Settings settings = settings_from_environment();
        REQUIRE(settings.keyhold_home);
        CHECK_FALSE(*settings.keyhold_home);
    }
    {
        ScopedEnv home("KEYHOLD_HOME", (temp.path() / "a" / ".." / "store").string());
        const Settings settings = settings_from_environment();
        REQUIRE(settings.keyhold_home);
        REQUIRE(*settings.keyhold_home);
        CHECK(**settings.keyhold_home == (temp.path() / "store").lexically_normal());
    }
    {
        ScopedEnv home("KEYHOLD_HOME", "relative/store");
        const Settings settings = settings_from_environment();
        REQUIRE(settings.keyhold_home);
        REQUIRE(*settings.keyhold_home);
        CHECK((*settings.keyhold_home)->is_absolute());
        CHECK(**settings.keyhold_home == (std::filesystem::current_path() / "relative" / "store").lexically_normal());
    }
}

TEST_CASE("the store is located from the settings given, not from the environment", "[settings][store]") {
    TempDir temp;
    ScopedEnv elsewhere("KEYHOLD_HOME", (temp.path() / "from-the-environment").string());
    ScopedEnv lifetime("KEYHOLD_KEY_CACHE_SECONDS", "0");

    Settings settings;
    settings.keyhold_home = std::optional(temp.path() / "given");
    settings.key_cache_lifetime = seconds(42);
    auto location = store::locate_store(settings);
    REQUIRE(location);
    CHECK(location->directory == temp.path() / "given");
    CHECK(location->key_cache_lifetime == seconds(42));

    // Without KEYHOLD_HOME: the OS's data directory, or why there is none.
    settings.keyhold_home = std::nullopt;
    settings.default_store_directory = temp.path() / "data" / "keyhold";
    location = store::locate_store(settings);
    REQUIRE(location);
    CHECK(location->directory == temp.path() / "data" / "keyhold");
    settings.default_store_directory = fail("cannot find a home directory for the keyhold store; set KEYHOLD_HOME");
    location = store::locate_store(settings);
    REQUIRE_FALSE(location);
    CHECK_THAT(location.error().message, Catch::Contains("set KEYHOLD_HOME"));

    // A KEYHOLD_HOME that could not be made absolute fails where the store is located.
    settings.keyhold_home = fail("KEYHOLD_HOME (x) is not a usable path: no working directory");
    location = store::locate_store(settings);
    REQUIRE_FALSE(location);
    CHECK_THAT(location.error().message, Catch::Contains("KEYHOLD_HOME (x)"));
}

#ifdef __linux__
TEST_CASE("Linux's data directory follows the XDG Base Directory Specification", "[settings]") {
    TempDir temp;
    {
        ScopedEnv data_home("XDG_DATA_HOME", (temp.path() / "data").string());
        const Settings settings = settings_from_environment();
        REQUIRE(settings.default_store_directory);
        CHECK(*settings.default_store_directory == temp.path() / "data" / "keyhold");
    }
    {
        ScopedEnv data_home("XDG_DATA_HOME", "relative");  // not absolute: ignored, as the spec says
        ScopedEnv home("HOME", (temp.path() / "home").string());
        const Settings settings = settings_from_environment();
        REQUIRE(settings.default_store_directory);
        CHECK(*settings.default_store_directory == temp.path() / "home" / ".local" / "share" / "keyhold");
    }
}
#endif

TEST_CASE("the clients' configuration files are where their variables say", "[settings]") {
    TempDir temp;
    const auto home_directory = temp.path() / "home";
    ScopedEnv home("HOME", home_directory.string());
    {
        ScopedEnv docker("DOCKER_CONFIG", std::nullopt);
        ScopedEnv auth("REGISTRY_AUTH_FILE", std::nullopt);
        ScopedEnv runtime("XDG_RUNTIME_DIR", std::nullopt);
        ScopedEnv config_home("XDG_CONFIG_HOME", std::nullopt);
        const ClientConfigPaths paths = settings_from_environment().client_config;
        CHECK(paths.docker_config == home_directory / ".docker" / "config.json");
#ifdef __linux__
        // Neither auth file exists: the primary one, /run/containers/UID/auth.json without XDG_RUNTIME_DIR.
        CHECK(paths.containers_auth() ==
              std::filesystem::path("/run/containers") / std::to_string(::getuid()) / "auth.json");
#endif
        CHECK(paths.containers_auth_persistent == home_directory / ".config" / "containers" / "auth.json");
        CHECK(paths.git_credentials == std::vector<std::filesystem::path>{home_directory / ".git-credentials",
                                                                          home_directory / ".config" / "git" / "credentials"});
    }
    {
        ScopedEnv docker("DOCKER_CONFIG", (temp.path() / "docker").string());
        ScopedEnv auth("REGISTRY_AUTH_FILE", std::nullopt);
        ScopedEnv runtime("XDG_RUNTIME_DIR", (temp.path() / "run").string());
        const ClientConfigPaths paths = settings_from_environment().client_config;
        CHECK(paths.docker_config == temp.path() / "docker" / "config.json");
        CHECK(paths.containers_auth() == temp.path() / "run" / "containers" / "auth.json");
    }
    {
        // The persistent file is the one in use when it exists and the primary one does not.
        ScopedEnv auth("REGISTRY_AUTH_FILE", std::nullopt);
        ScopedEnv runtime("XDG_RUNTIME_DIR", (temp.path() / "run").string());
        ScopedEnv config_home("XDG_CONFIG_HOME", (temp.path() / "config").string());
        std::filesystem::create_directories(temp.path() / "config" / "containers");
        std::ofstream(temp.path() / "config" / "containers" / "auth.json") << "{}";
        CHECK(settings_from_environment().client_config.containers_auth() ==
              temp.path() / "config" / "containers" / "auth.json");
        std::filesystem::create_directories(temp.path() / "run" / "containers");
        std::ofstream(temp.path() / "run" / "containers" / "auth.json") << "{}";
        CHECK(settings_from_environment().client_config.containers_auth() ==
              temp.path() / "run" / "containers" / "auth.json");
        CHECK(settings_from_environment().client_config.git_credentials.back() ==
              temp.path() / "config" / "git" / "credentials");
    }
    {
        ScopedEnv auth("REGISTRY_AUTH_FILE", (temp.path() / "auth.json").string());
        ScopedEnv runtime("XDG_RUNTIME_DIR", (temp.path() / "run").string());
        CHECK(settings_from_environment().client_config.containers_auth() == temp.path() / "auth.json");
    }
    {
        ScopedEnv no_home("HOME", std::nullopt);
        ScopedEnv docker("DOCKER_CONFIG", std::nullopt);
        CHECK_FALSE(settings_from_environment().client_config.docker_config);
    }
}
