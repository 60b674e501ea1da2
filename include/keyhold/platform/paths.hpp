#pragma once

#include <filesystem>

#include "keyhold/error.hpp"

namespace keyhold::platform {

// The OS's per-user data directory for keyhold ($XDG_DATA_HOME/keyhold on Linux).
Result<std::filesystem::path> default_store_directory();

}  // namespace keyhold::platform
