// The protectors a Linux build offers, and the default a first `store` uses.

#include <array>

#include "../portable/passphrase_protector.hpp"
#include "keyhold/encoding/display_text.hpp"
#include "keyhold/platform/key_protector.hpp"
#include "secret_service_protector.hpp"

namespace keyhold::platform {
namespace {

constexpr std::array<std::string_view, 5> kKnownProtectors = {"secret-service", "passphrase", "kernel-keyring",
                                                               "macos-keychain", "windows-dpapi"};

}  // namespace

std::span<const std::string_view> known_protector_names() { return kKnownProtectors; }

Result<std::unique_ptr<KeyProtector>> make_key_protector(std::string_view name) {
    if (name == "secret-service") {
        return make_secret_service_protector();
    }
    if (name == "passphrase") {
        return make_passphrase_protector();
    }
    if (name == "kernel-keyring") {
        // A key kept only there would be gone at the next reboot, and the store with it.
        return fail("the kernel keyring is keyhold's short-lived cache in front of every protector, not a protector "
                    "of its own (a key only there is lost at reboot); use secret-service or passphrase");
    }
    if (name == "macos-keychain" || name == "windows-dpapi") {
        return fail("the " + std::string(name) + " protector exists only on its own platform; on Linux use "
                    "secret-service or passphrase");
    }
    return fail("unknown key protector '" + encoding::printable(name, 64) +
                "'; choose one of secret-service, passphrase (see `keyhold init --help`)");
}

Result<std::string> default_protector_name() {
    if (auto answers = secret_service_answers(); !answers) {
        return std::unexpected(answers.error());
    }
    return std::string("secret-service");
}

}  // namespace keyhold::platform
