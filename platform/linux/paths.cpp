#include <pwd.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include "keyhold/platform/paths.hpp"

namespace keyhold::platform {

// XDG Base Directory Specification: $XDG_DATA_HOME if it is absolute, else ~/.local/share.
Result<std::filesystem::path> default_store_directory() {
    if (const char* data_home = std::getenv("XDG_DATA_HOME"); data_home != nullptr && data_home[0] == '/') {
        return std::filesystem::path(data_home) / "keyhold";
    }
    const char* home = std::getenv("HOME");
    if (home == nullptr || home[0] != '/') {
        const struct passwd* account = ::getpwuid(::geteuid());
        home = account != nullptr ? account->pw_dir : nullptr;
    }
    if (home == nullptr || home[0] != '/') {
        return fail("cannot find a home directory for the keyhold store; set KEYHOLD_HOME");
    }
    return std::filesystem::path(home) / ".local" / "share" / "keyhold";
}

std::optional<std::filesystem::path> containers_per_user_auth_file() {
    return std::filesystem::path("/run/containers") / std::to_string(::getuid()) / "auth.json";
}

}  // namespace keyhold::platform
