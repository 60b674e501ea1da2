#pragma once

#include <memory>

#include "keyhold/platform/key_protector.hpp"

namespace keyhold::platform {

// The data key wrapped under an Argon2id key of a passphrase from KEYHOLD_PASSPHRASE or the
// terminal. Works everywhere, needs no keychain: the protector for headless CI.
std::unique_ptr<KeyProtector> make_passphrase_protector();

}  // namespace keyhold::platform
