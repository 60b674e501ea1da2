#include <pwd.h>
#include <unistd.h>

#include <cstdlib>

#include "keyhold/platform/paths.hpp"

namespace keyhold::platform {

// Where macOS keeps a program's per-user data: ~/Library/Application Support/keyhold (the
// NSApplicationSupportDirectory of the user domain). XDG_DATA_HOME is a Linux convention and is
// not read here; KEYHOLD_HOME names any other directory.
Result<std::filesystem::path> default_store_directory() {
    const char* home = std::getenv("HOME");
    if (home == nullptr || home[0] != '/') {
        const struct passwd* account = ::getpwuid(::geteuid());
        home = account != nullptr ? account->pw_dir : nullptr;
    }
    if (home == nullptr || home[0] != '/') {
        return fail("cannot find a home directory for the keyhold store; set KEYHOLD_HOME");
    }
    return std::filesystem::path(home) / "Library" / "Application Support" / "keyhold";
}

std::optional<std::filesystem::path> containers_per_user_auth_file() { return std::nullopt; }

}  // namespace keyhold::platform
