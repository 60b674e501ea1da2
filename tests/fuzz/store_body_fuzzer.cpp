// The store's entry table (store/format.hpp decode_entries), past authentication.
//
// An attacker cannot forge a body without the key, but a keyhold with a bug, another version,
// or a key that leaked can write one. Each input is the plaintext body: sealed with a fixed
// test-only key into a whole store file, then parsed, opened and decoded as keyhold reads a
// store, so the fuzzer's bytes reach decode_entries.

#include <algorithm>

#include "fuzz_support.hpp"
#include "keyhold/store/format.hpp"

namespace {

using namespace keyhold;
using fuzz::require;

// Test-only: a key no store has, and a header like a passphrase store's.
const crypto::SecureBuffer& test_key() {
    static const crypto::SecureBuffer key = [] {
        crypto::SecureBuffer bytes(crypto::kKeyBytes);
        std::fill(bytes.data(), bytes.data() + bytes.size(), 0x5a);
        return bytes;
    }();
    return key;
}

store::StoreHeader test_header() {
    store::StoreHeader header;
    header.store_id.fill(0x11);
    header.generation = 7;
    header.protector = "passphrase";
    header.protector_params = {1, 2, 3};
    header.body_nonce.fill(0x24);
    return header;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
    fuzz::initialize_sodium_once();
    const crypto::SecureBuffer body = crypto::SecureBuffer::copy_of(std::span(data, size));
    const std::vector<unsigned char> file = store::seal_store_file(test_header(), body, test_key());

    const auto view = store::parse_store_file(file);
    require(view.has_value());
    const auto plaintext = store::open_store_body(*view, test_key());
    require(plaintext.has_value() && plaintext->text() == body.text());

    const auto entries = store::decode_entries(*plaintext);
    if (!entries) {
        return 0;
    }
    // The format has one encoding per table: what decodes re-encodes to the same bytes, so a
    // rewrite of the store (every commit) keeps every entry as it was.
    const crypto::SecureBuffer reencoded = store::encode_entries(*entries);
    require(reencoded.text() == plaintext->text());
    return 0;
}
