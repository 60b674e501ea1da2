// The protectors a Windows build offers; DPAPI is the default, as it needs nobody to type.

#include "../common/passphrase_protector.hpp"
#include "keyhold/platform/key_protector.hpp"

namespace keyhold::platform {

std::unique_ptr<KeyProtector> make_dpapi_protector();

namespace {

constexpr ProtectorKind kProtectors[] = {
    {"windows-dpapi", "Windows DPAPI: the key opens only for you, on this machine, with no prompt",
     without_options<make_dpapi_protector>},
    {"passphrase", "a passphrase (Argon2id), asked on the console or read from KEYHOLD_PASSPHRASE",
     without_options<make_passphrase_protector>},
};

}  // namespace

std::span<const ProtectorKind> protector_kinds() { return kProtectors; }

Result<std::string> default_protector_name() { return std::string("windows-dpapi"); }

}  // namespace keyhold::platform
