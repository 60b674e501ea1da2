#pragma once

#include <span>
#include <string>

namespace keyhold::encoding {

// Lowercase hexadecimal, for ids and file names (never for secrets).
std::string to_hex(std::span<const unsigned char> bytes);

}  // namespace keyhold::encoding
