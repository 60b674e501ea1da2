#pragma once
// XChaCha20-Poly1305 (libsodium's IETF construction) with random 192-bit nonces, and the
// randomness every key, nonce and id comes from.

#include <array>
#include <optional>
#include <span>
#include <vector>

#include "keyhold/crypto/secure_buffer.hpp"

namespace keyhold::crypto {

inline constexpr std::size_t kKeyBytes = 32;
inline constexpr std::size_t kNonceBytes = 24;
inline constexpr std::size_t kTagBytes = 16;

using Nonce = std::array<unsigned char, kNonceBytes>;

void fill_random(std::span<unsigned char> out);
Nonce random_nonce();
SecureBuffer random_key();

// Encrypts and authenticates `plaintext`, and authenticates `associated_data` with it.
std::vector<unsigned char> seal(std::span<const unsigned char> plaintext,
                                std::span<const unsigned char> associated_data, const Nonce& nonce,
                                const SecureBuffer& key);

// nullopt when the ciphertext, the associated data, the nonce or the key do not belong together.
std::optional<SecureBuffer> open(std::span<const unsigned char> ciphertext,
                                 std::span<const unsigned char> associated_data, const Nonce& nonce,
                                 const SecureBuffer& key);

}  // namespace keyhold::crypto
