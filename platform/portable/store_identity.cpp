#include <sodium.h>

#include <array>

#include "keyhold/encoding/hex.hpp"
#include "keyhold/platform/key_protector.hpp"

namespace keyhold::platform {

std::string StoreIdentity::copy_id() const {
    // A digest keeps it short whatever the path's length (a kernel key's description, a
    // keyring item's secret).
    const std::string path = directory.string();
    std::array<unsigned char, 16> digest{};
    crypto_generichash(digest.data(), digest.size(), reinterpret_cast<const unsigned char*>(path.data()), path.size(),
                       nullptr, 0);
    return store_id + ":" + encoding::to_hex(digest);
}

}  // namespace keyhold::platform
