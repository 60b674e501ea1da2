#include "win32.hpp"  // windows.h, before the other Windows headers

#include <shlobj.h>

#include "keyhold/platform/paths.hpp"

namespace keyhold::platform {

// %LOCALAPPDATA%\keyhold: per user, per machine (never roamed to other machines with the
// profile, as a DPAPI-protected key would not open there anyway).
Result<std::filesystem::path> default_store_directory() {
    wchar_t* local = nullptr;
    if (::SHGetKnownFolderPath(FOLDERID_LocalAppData, KF_FLAG_DEFAULT, nullptr, &local) != S_OK) {
        ::CoTaskMemFree(local);
        return fail("cannot find the LocalAppData folder for the keyhold store; set KEYHOLD_HOME");
    }
    std::filesystem::path directory = std::filesystem::path(local) / L"keyhold";
    ::CoTaskMemFree(local);
    return directory;
}

std::optional<std::filesystem::path> containers_per_user_auth_file() { return std::nullopt; }

}  // namespace keyhold::platform
