// The protectors a Linux build offers, and the default a first `store` uses.

#include "../common/passphrase_protector.hpp"
#include "keyhold/platform/key_protector.hpp"
#include "secret_service_protector.hpp"
#include "tpm2_protector.hpp"

namespace keyhold::platform {
namespace {

constexpr ProtectorKind kProtectors[] = {
    {"secret-service", "the desktop keyring, over the Secret Service (GNOME Keyring, KWallet, KeePassXC)",
     without_options<make_secret_service_protector>},
    {"passphrase", "a passphrase (Argon2id), asked on the terminal or read from KEYHOLD_PASSPHRASE",
     without_options<make_passphrase_protector>},
    {"tpm2", "the machine's TPM 2.0 (tpm2-tss), no passphrase; --tpm2-pcrs binds it to the boot state",
     make_tpm2_protector},
};

}  // namespace

std::span<const ProtectorKind> protector_kinds() { return kProtectors; }

Result<std::string> default_protector_name() {
    if (auto answers = secret_service_answers(); !answers) {
        return std::unexpected(answers.error());
    }
    return std::string("secret-service");
}

}  // namespace keyhold::platform
