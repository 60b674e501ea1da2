// The store file as read from disk (store/format.hpp): any bytes, as a damaged or planted
// file would hold, through the structural parser and the attempt to open the body.
//
// Authentication stops everything past the header here (the fixed key is not the file's);
// store_body_fuzzer reaches decode_entries through a key of its own.

#include <algorithm>

#include "fuzz_support.hpp"
#include "keyhold/store/format.hpp"

namespace {

using namespace keyhold;
using fuzz::require;

const crypto::SecureBuffer& some_key() {
    static const crypto::SecureBuffer key = [] {
        crypto::SecureBuffer bytes(crypto::kKeyBytes);
        std::fill(bytes.data(), bytes.data() + bytes.size(), 0x42);
        return bytes;
    }();
    return key;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
    fuzz::initialize_sodium_once();
    const std::span<const unsigned char> file(data, size);
    const auto view = store::parse_store_file(file);
    if (!view) {
        return 0;
    }
    // The views cover the file exactly, and the header is the one its fields encode: nothing
    // in it escapes the associated data.
    require(view->header_bytes.size() + view->ciphertext.size() == size);
    require(view->ciphertext.size() >= crypto::kTagBytes);
    const std::vector<unsigned char> reencoded = store::encode_header(view->header);
    require(std::equal(reencoded.begin(), reencoded.end(), view->header_bytes.begin(), view->header_bytes.end()));
    (void)store::open_store_body(*view, some_key());
    return 0;
}
