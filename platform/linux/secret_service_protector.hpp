#pragma once

#include <chrono>
#include <memory>

#include "keyhold/platform/key_protector.hpp"

namespace keyhold::platform {

// The data key (and the newest generation written) kept as an item in the user's Secret
// Service keyring (gnome-keyring, KeePassXC, KWallet's bridge), through libsecret in the
// keyhold-secret-service.so module (secret_service_abi.h).
std::unique_ptr<KeyProtector> make_secret_service_protector();

// Whether a Secret Service answers with an unlocked default keyring; the error says why not.
Result<void> secret_service_answers();

// Has the Secret Service unlock its default keyring: on a desktop the keyring's own unlock
// prompt (gnome-keyring's, KeePassXC's...), shown through libsecret. The one call that may ask a
// person, for `keyhold unlock`; helper calls never do. Waits up to `timeout` for the prompt's
// answer. Succeeds at once if the keyring is unlocked already; fails if the prompt was
// dismissed, timed out, or there is no Secret Service.
Result<void> unlock_secret_service_collection(std::chrono::milliseconds timeout = std::chrono::minutes(2));

}  // namespace keyhold::platform
