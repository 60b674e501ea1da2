// The protectors a macOS build offers, and the default a first `store` uses.

#include "../common/passphrase_protector.hpp"
#include "keychain_protector.hpp"
#include "keyhold/platform/key_protector.hpp"

namespace keyhold::platform {
namespace {

constexpr ProtectorKind kProtectors[] = {
    {"macos-keychain", "the user's macOS keychain (login keychain), through Security.framework",
     without_options<make_keychain_protector>},
    {"passphrase", "a passphrase (Argon2id), asked on the terminal or read from KEYHOLD_PASSPHRASE",
     without_options<make_passphrase_protector>},
};

}  // namespace

std::span<const ProtectorKind> protector_kinds() { return kProtectors; }

Result<std::string> default_protector_name() {
    if (auto answers = keychain_answers(); !answers) {
        return std::unexpected(answers.error());
    }
    return std::string("macos-keychain");
}

}  // namespace keyhold::platform
