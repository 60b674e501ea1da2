#pragma once

#include <filesystem>
#include <optional>

#include "keyhold/error.hpp"

namespace keyhold::platform {

// The OS's per-user data directory for keyhold ($XDG_DATA_HOME/keyhold on Linux). It reads the
// environment its OS's convention names, so only settings_from_environment() (settings.hpp)
// calls it; everything else takes Settings::default_store_directory.
Result<std::filesystem::path> default_store_directory();

// The containers tools' primary auth file when XDG_RUNTIME_DIR is unset: /run/containers/UID/
// auth.json on Linux (containers-auth.json(5)); nullopt elsewhere, where the primary file is
// the persistent one under $HOME/.config.
std::optional<std::filesystem::path> containers_per_user_auth_file();

}  // namespace keyhold::platform
