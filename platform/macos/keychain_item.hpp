#pragma once
// What the macos-keychain protector keeps in a keychain item, apart from any Apple API, so that
// every platform's unit tests check it (tests/unit/platform/keychain_item_test.cpp).
//
// One generic-password item per store key:
//   service  kKeychainService, the same for every keyhold item;
//   account  "<store id>:<key id>" (both lowercase hex), what unprotect() looks up: a copy of
//            the store directory (same store id, same header) finds the same item;
//   generic  the copy id of the directory the item was made for (StoreIdentity::copy_id()), so
//            that forget_all_but() deletes only this directory's old keys, never a copy's;
//   data     "<base64 data key> <newest generation> <copy id>", the Secret Service item's
//            format (platform/linux/secret_service_protector.cpp): one lookup answers the key
//            and the rollback floor, and the floor counts only for the copy it was written in.

#include <sodium.h>

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "keyhold/crypto/aead.hpp"
#include "keyhold/crypto/secure_buffer.hpp"
#include "keyhold/platform/key_protector.hpp"

namespace keyhold::platform::keychain {

inline constexpr std::string_view kKeychainService = "keyhold store key";
// The header's parameters: the random id of the key's item, as for the Secret Service.
inline constexpr std::size_t kKeyIdBytes = 16;
// Far above what encode_item_secret() writes (44 + 20 + 66 bytes): a bigger item is not ours.
inline constexpr std::size_t kMaxItemSecretBytes = 256;

inline std::string account_name(std::string_view store_id, std::string_view key_id) {
    return std::string(store_id) + ":" + std::string(key_id);
}

// The key id of an account name of store `store_id`, or nullopt when the account is another
// store's (or not keyhold's).
inline std::optional<std::string> key_id_of(std::string_view account, std::string_view store_id) {
    if (account.size() != store_id.size() + 1 + 2 * kKeyIdBytes || !account.starts_with(store_id) ||
        account[store_id.size()] != ':') {
        return std::nullopt;
    }
    return std::string(account.substr(store_id.size() + 1));
}

inline crypto::SecureBuffer encode_item_secret(const crypto::SecureBuffer& data_key, std::uint64_t generation,
                                               std::string_view copy_id) {
    const std::size_t base64_size =
        sodium_base64_ENCODED_LEN(data_key.size(), sodium_base64_VARIANT_ORIGINAL);  // includes the NUL
    const std::string rest = std::to_string(generation) + " " + std::string(copy_id);
    crypto::SecureBuffer text(base64_size + rest.size());
    sodium_bin2base64(reinterpret_cast<char*>(text.data()), base64_size, data_key.data(), data_key.size(),
                      sodium_base64_VARIANT_ORIGINAL);
    text.data()[base64_size - 1] = ' ';
    std::copy(rest.begin(), rest.end(), text.data() + base64_size);
    return text;
}

struct ItemSecret {
    crypto::SecureBuffer data_key;
    std::uint64_t newest_generation = 0;
    std::string copy_id;
};

// nullopt for anything encode_item_secret() did not write.
inline std::optional<ItemSecret> decode_item_secret(std::string_view text) {
    const auto first_space = text.find(' ');
    if (first_space == std::string_view::npos || text.size() > kMaxItemSecretBytes) {
        return std::nullopt;
    }
    ItemSecret item{crypto::SecureBuffer(crypto::kKeyBytes), 0, {}};
    std::size_t decoded = 0;
    const char* end_of_base64 = nullptr;
    if (sodium_base642bin(item.data_key.data(), item.data_key.size(), text.data(), first_space, nullptr, &decoded,
                          &end_of_base64, sodium_base64_VARIANT_ORIGINAL) != 0 ||
        decoded != crypto::kKeyBytes || end_of_base64 != text.data() + first_space) {
        return std::nullopt;
    }
    const std::string_view rest = text.substr(first_space + 1);
    const auto second_space = rest.find(' ');
    if (second_space == std::string_view::npos || second_space == 0 || second_space + 1 == rest.size()) {
        return std::nullopt;
    }
    const std::string_view number = rest.substr(0, second_space);
    const auto [end, error] = std::from_chars(number.data(), number.data() + number.size(), item.newest_generation);
    if (error != std::errc() || end != number.data() + number.size()) {
        return std::nullopt;
    }
    item.copy_id = rest.substr(second_space + 1);
    return item;
}

}  // namespace keyhold::platform::keychain
