// The one place that reads keyhold's settings from the environment (settings.hpp). The OS's
// data directory comes from platform::default_store_directory(), which reads the variables
// its OS's convention names (XDG_DATA_HOME and HOME, HOME, the LocalAppData folder).

#include "keyhold/settings.hpp"

#include <charconv>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "keyhold/platform/paths.hpp"

namespace keyhold {
namespace {

// A variable's value; nullopt when it is unset or empty (an empty value is no setting).
std::optional<std::string_view> variable(const char* name) {
    const char* value = std::getenv(name);
    if (value == nullptr || *value == '\0') {
        return std::nullopt;
    }
    return std::string_view(value);
}

Result<std::optional<std::filesystem::path>> keyhold_home() {
    const auto home = variable("KEYHOLD_HOME");
    if (!home) {
        return std::nullopt;
    }
    std::error_code error;
    auto absolute = std::filesystem::absolute(std::filesystem::path(*home), error);
    if (error) {
        return fail("KEYHOLD_HOME (" + std::string(*home) + ") is not a usable path: " + error.message());
    }
    return std::optional<std::filesystem::path>(absolute.lexically_normal());
}

std::chrono::seconds key_cache_lifetime() {
    const auto configured = variable("KEYHOLD_KEY_CACHE_SECONDS");
    if (!configured) {
        return kDefaultKeyCacheLifetime;
    }
    // Anything but a whole number of seconds from 0 to a week turns the cache off: a typo must
    // not leave a key cached for longer than was asked, and the kernel's timeout is 32 bits
    // (2^32 would wrap to 0, "never expires").
    std::int64_t seconds = 0;
    const auto [end, error] = std::from_chars(configured->data(), configured->data() + configured->size(), seconds);
    const bool valid = error == std::errc() && end == configured->data() + configured->size() && seconds >= 0 &&
                       seconds <= kLongestKeyCacheLifetime.count();
    return std::chrono::seconds(valid ? seconds : 0);
}

bool debug() {
    const auto value = variable("KEYHOLD_DEBUG");
    return value && *value != "0";
}

ClientConfigPaths client_config() {
    ClientConfigPaths paths;
    const auto home = variable("HOME");
    if (home) {
        paths.home = std::filesystem::path(*home);
    }
    if (const auto directory = variable("DOCKER_CONFIG")) {
        paths.docker_config = std::filesystem::path(*directory) / "config.json";
    } else if (home) {
        paths.docker_config = std::filesystem::path(*home) / ".docker" / "config.json";
    }
    // As containers/image's pkg/docker/config (getPathToAuth, getAuthFilePaths) finds them.
    if (const auto file = variable("REGISTRY_AUTH_FILE")) {
        paths.containers_auth_override = std::filesystem::path(*file);
    }
    std::optional<std::filesystem::path> config_home;
    if (const auto xdg_config = variable("XDG_CONFIG_HOME")) {
        config_home = std::filesystem::path(*xdg_config);
    } else if (home) {
        config_home = std::filesystem::path(*home) / ".config";
    }
    if (config_home) {
        paths.containers_auth_persistent = *config_home / "containers" / "auth.json";
    }
    if (const auto runtime = variable("XDG_RUNTIME_DIR")) {
        paths.containers_auth_primary = std::filesystem::path(*runtime) / "containers" / "auth.json";
    } else if (auto per_user = platform::containers_per_user_auth_file()) {
        paths.containers_auth_primary = std::move(per_user);
    } else {
        paths.containers_auth_primary = paths.containers_auth_persistent;
    }
    if (home) {
        paths.git_credentials.push_back(std::filesystem::path(*home) / ".git-credentials");
    }
    if (config_home) {
        paths.git_credentials.push_back(*config_home / "git" / "credentials");
    }
    return paths;
}

}  // namespace

std::optional<std::filesystem::path> ClientConfigPaths::containers_auth() const {
    if (containers_auth_override) {
        return containers_auth_override;
    }
    std::error_code error;
    for (const auto& candidate : {containers_auth_primary, containers_auth_persistent}) {
        if (candidate && std::filesystem::exists(std::filesystem::symlink_status(*candidate, error))) {
            return candidate;
        }
    }
    return containers_auth_primary ? containers_auth_primary : containers_auth_persistent;
}

Settings settings_from_environment() {
    Settings settings;
    settings.keyhold_home = keyhold_home();
    settings.default_store_directory = platform::default_store_directory();
    settings.key_cache_lifetime = key_cache_lifetime();
    settings.debug = debug();
    settings.tpm2_tcti = std::string(variable("KEYHOLD_TPM2_TCTI").value_or(""));
    settings.client_config = client_config();
    if (const auto socket = variable("KEYHOLD_AGENT_SOCK")) {
        settings.agent_socket = std::filesystem::path(*socket);
    }
    return settings;
}

}  // namespace keyhold
