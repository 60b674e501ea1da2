#pragma once

#include <filesystem>

#include "keyhold/error.hpp"

namespace keyhold::platform {

// The OS's per-user data directory for keyhold ($XDG_DATA_HOME/keyhold on Linux). It reads the
// environment its OS's convention names, so only settings_from_environment() (settings.hpp)
// calls it; everything else takes Settings::default_store_directory.
Result<std::filesystem::path> default_store_directory();

}  // namespace keyhold::platform
