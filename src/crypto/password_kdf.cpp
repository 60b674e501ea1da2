#include "keyhold/crypto/password_kdf.hpp"

#include <sodium.h>

#include "keyhold/crypto/aead.hpp"

namespace keyhold::crypto {

static_assert(sizeof(PasswordKdfParams::salt) == crypto_pwhash_SALTBYTES);

PasswordKdfParams fresh_password_kdf_params() {
    PasswordKdfParams params;
    fill_random(params.salt);
    params.opslimit = crypto_pwhash_OPSLIMIT_INTERACTIVE;
    params.memlimit = crypto_pwhash_MEMLIMIT_INTERACTIVE;
    return params;
}

bool password_kdf_params_within_bounds(const PasswordKdfParams& params) {
    return params.opslimit >= crypto_pwhash_OPSLIMIT_MIN && params.opslimit <= kMaxKdfOpslimit &&
           params.memlimit >= crypto_pwhash_MEMLIMIT_MIN && params.memlimit <= kMaxKdfMemlimit;
}

std::optional<SecureBuffer> derive_key_from_password(SecretView passphrase, const PasswordKdfParams& params) {
    SecureBuffer key(kKeyBytes);
    const std::string_view text = passphrase.expose();
    if (crypto_pwhash(key.data(), key.size(), text.data(), text.size(), params.salt.data(), params.opslimit,
                      static_cast<std::size_t>(params.memlimit), crypto_pwhash_ALG_ARGON2ID13) != 0) {
        return std::nullopt;
    }
    return key;
}

}  // namespace keyhold::crypto
