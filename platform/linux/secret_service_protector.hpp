#pragma once

#include <memory>

#include "keyhold/platform/key_protector.hpp"

namespace keyhold::platform {

// The data key (and the newest generation written) kept as an item in the user's Secret
// Service keyring (gnome-keyring, KeePassXC, KWallet's bridge), over D-Bus through the
// keyhold-secret-service.so module (secret_service_abi.h).
std::unique_ptr<KeyProtector> make_secret_service_protector();

// Whether a Secret Service answers with an unlocked default keyring; the error says why not.
Result<void> secret_service_answers();

}  // namespace keyhold::platform
