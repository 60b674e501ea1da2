#pragma once
// One phrasing for failed system calls: "cannot ACTION PATH: REASON".

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string>
#include <string_view>

#include "keyhold/error.hpp"

namespace keyhold::platform {

inline Error system_error(std::string_view action, const std::filesystem::path& path, int error_number = errno) {
    return Error{"cannot " + std::string(action) + " " + path.string() + ": " + std::strerror(error_number)};
}

}  // namespace keyhold::platform
