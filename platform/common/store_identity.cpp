#include <sodium.h>

#include <array>
#include <filesystem>
#include <system_error>

#include "keyhold/encoding/hex.hpp"
#include "keyhold/platform/key_protector.hpp"

namespace keyhold::platform {

std::string StoreIdentity::copy_id() const {
    // A digest keeps it short whatever the path's length (a kernel key's description, a
    // keyring item's secret).
    // One directory, however it is spelled (a trailing slash, a symbolic link, `..`): a spelling
    // of its own must not make it "another copy" with no history, or a rolled-back file would be
    // served through it.
    std::error_code error;
    const std::filesystem::path canonical = std::filesystem::weakly_canonical(directory, error);
    const std::string path = (error ? directory.lexically_normal() : canonical).string();
    std::array<unsigned char, 16> digest{};
    crypto_generichash(digest.data(), digest.size(), reinterpret_cast<const unsigned char*>(path.data()), path.size(),
                       nullptr, 0);
    return store_id + ":" + encoding::to_hex(digest);
}

}  // namespace keyhold::platform
