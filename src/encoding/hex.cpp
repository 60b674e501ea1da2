#include "keyhold/encoding/hex.hpp"

#include <sodium.h>

namespace keyhold::encoding {

std::string to_hex(std::span<const unsigned char> bytes) {
    std::string hex(bytes.size() * 2 + 1, '\0');
    sodium_bin2hex(hex.data(), hex.size(), bytes.data(), bytes.size());
    hex.pop_back();
    return hex;
}

}  // namespace keyhold::encoding
