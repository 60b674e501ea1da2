// What the macos-keychain protector keeps in a keychain item (platform/macos/keychain_item.hpp):
// plain C++, checked on every OS; the Security.framework calls around it run only on macOS.
#include "macos/keychain_item.hpp"

#include "support/catch.hpp"

#include <string>

#include "keyhold/crypto/aead.hpp"

using namespace keyhold;
using namespace keyhold::platform::keychain;

namespace {

crypto::SecureBuffer random_key() {
    crypto::SecureBuffer key(crypto::kKeyBytes);
    crypto::fill_random(key.bytes());
    return key;
}

const std::string kStoreId = "0123456789abcdef0123456789abcdef";
const std::string kKeyId = "fedcba9876543210fedcba9876543210";

}  // namespace

TEST_CASE("a keychain item's data gives back the key, the generation and the copy", "[platform][keychain]") {
    const crypto::SecureBuffer key = random_key();
    const std::string copy_id = kStoreId + ":00112233445566778899aabbccddeeff";
    const crypto::SecureBuffer text = encode_item_secret(key, 18446744073709551615ULL, copy_id);
    CHECK(text.size() <= kMaxItemSecretBytes);
    const auto item = decode_item_secret(text.text());
    REQUIRE(item.has_value());
    CHECK(std::string(item->data_key.text()) == std::string(key.text()));
    CHECK(item->newest_generation == 18446744073709551615ULL);
    CHECK(item->copy_id == copy_id);
}

TEST_CASE("keychain item data that keyhold did not write is refused", "[platform][keychain]") {
    const crypto::SecureBuffer key = random_key();
    const std::string good(encode_item_secret(key, 7, kStoreId + ":aa").text());
    const std::string base64 = good.substr(0, good.find(' '));
    for (const std::string& bad : {std::string(), std::string("no spaces"), base64, base64 + " 7", base64 + " 7 ",
                                   base64 + "  " + kStoreId, base64 + " -1 " + kStoreId, base64 + " 7x " + kStoreId,
                                   base64 + " 99999999999999999999 " + kStoreId, "AAAA 7 " + kStoreId,
                                   base64 + "= 7 " + kStoreId, good + std::string(300, 'x')}) {
        INFO(bad);
        CHECK_FALSE(decode_item_secret(bad).has_value());
    }
}

TEST_CASE("a keychain account names one key of one store", "[platform][keychain]") {
    const std::string account = account_name(kStoreId, kKeyId);
    CHECK(account == kStoreId + ":" + kKeyId);
    CHECK(key_id_of(account, kStoreId) == kKeyId);
    CHECK_FALSE(key_id_of(account, "ffffffffffffffffffffffffffffffff").has_value());
    CHECK_FALSE(key_id_of(kStoreId + ":" + kKeyId + "0", kStoreId).has_value());
    CHECK_FALSE(key_id_of(kStoreId + "-" + kKeyId, kStoreId).has_value());
    CHECK_FALSE(key_id_of("", kStoreId).has_value());
}
