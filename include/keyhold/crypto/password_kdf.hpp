#pragma once
// Argon2id (libsodium crypto_pwhash) turning a passphrase into a key-encryption key.

#include <array>
#include <cstdint>
#include <optional>

#include "keyhold/crypto/secret.hpp"
#include "keyhold/crypto/secure_buffer.hpp"

namespace keyhold::crypto {

struct PasswordKdfParams {
    std::array<unsigned char, 16> salt{};
    std::uint64_t opslimit = 0;
    std::uint64_t memlimit = 0;  // bytes
};

// libsodium's "interactive" cost with a fresh random salt.
PasswordKdfParams fresh_password_kdf_params();

// Parameters come from a file an attacker may edit: derive only within these bounds, so an
// edited header cannot make keyhold spend minutes or gigabytes before it fails.
inline constexpr std::uint64_t kMaxKdfOpslimit = 16;
inline constexpr std::uint64_t kMaxKdfMemlimit = std::uint64_t{1} << 30;  // 1 GiB
bool password_kdf_params_within_bounds(const PasswordKdfParams& params);

// nullopt only when memory for the KDF cannot be had.
std::optional<SecureBuffer> derive_key_from_password(SecretView passphrase,
                                                     const PasswordKdfParams& params);

}  // namespace keyhold::crypto
