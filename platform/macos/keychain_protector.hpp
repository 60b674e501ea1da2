#pragma once

#include <memory>

#include "keyhold/platform/key_protector.hpp"

namespace keyhold::platform {

// The data key (and the newest generation written) kept as a generic-password item in the
// user's keychain, through Security.framework's SecItem API (keychain_item.hpp says what the
// item holds; docs/platforms.md why it is made the way it is).
std::unique_ptr<KeyProtector> make_keychain_protector();

// Whether the keychain answers a search for keyhold's items without asking anything; the error
// says why not.
Result<void> keychain_answers();

}  // namespace keyhold::platform
