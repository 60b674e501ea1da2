#include "keyhold/crypto/secret.hpp"

#include <sodium.h>

namespace keyhold::crypto {

bool SecretView::same_as(SecretView other) const {
    if (bytes_.size() != other.bytes_.size()) {
        return false;
    }
    return bytes_.empty() || sodium_memcmp(bytes_.data(), other.bytes_.data(), bytes_.size()) == 0;
}

}  // namespace keyhold::crypto
