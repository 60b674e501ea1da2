#include "keyhold/crypto/aead.hpp"

#include <sodium.h>

#include <cassert>

namespace keyhold::crypto {

static_assert(kKeyBytes == crypto_aead_xchacha20poly1305_ietf_KEYBYTES);
static_assert(kNonceBytes == crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
static_assert(kTagBytes == crypto_aead_xchacha20poly1305_ietf_ABYTES);

void fill_random(std::span<unsigned char> out) { randombytes_buf(out.data(), out.size()); }

Nonce random_nonce() {
    Nonce nonce;
    fill_random(nonce);
    return nonce;
}

SecureBuffer random_key() {
    SecureBuffer key(kKeyBytes);
    crypto_aead_xchacha20poly1305_ietf_keygen(key.data());
    return key;
}

std::vector<unsigned char> seal(std::span<const unsigned char> plaintext,
                                std::span<const unsigned char> associated_data, const Nonce& nonce,
                                const SecureBuffer& key) {
    assert(key.size() == kKeyBytes);
    std::vector<unsigned char> ciphertext(plaintext.size() + kTagBytes);
    unsigned long long written = 0;
    crypto_aead_xchacha20poly1305_ietf_encrypt(ciphertext.data(), &written, plaintext.data(), plaintext.size(),
                                               associated_data.data(), associated_data.size(), nullptr,
                                               nonce.data(), key.data());
    ciphertext.resize(written);
    return ciphertext;
}

std::optional<SecureBuffer> open(std::span<const unsigned char> ciphertext,
                                 std::span<const unsigned char> associated_data, const Nonce& nonce,
                                 const SecureBuffer& key) {
    if (key.size() != kKeyBytes || ciphertext.size() < kTagBytes) {
        return std::nullopt;
    }
    SecureBuffer plaintext(ciphertext.size() - kTagBytes);
    unsigned long long written = 0;
    if (crypto_aead_xchacha20poly1305_ietf_decrypt(plaintext.data(), &written, nullptr, ciphertext.data(),
                                                   ciphertext.size(), associated_data.data(),
                                                   associated_data.size(), nonce.data(), key.data()) != 0) {
        return std::nullopt;
    }
    plaintext.resize(written);
    return plaintext;
}

}  // namespace keyhold::crypto
