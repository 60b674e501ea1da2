// The tpm2 protector's header parameters (platform/linux/tpm2_params.hpp), which come from a
// store file anyone who can write the directory may have edited, and `--tpm2-pcrs` lists.
//
// The whole input is tried as header parameters and as a PCR list: whatever decodes must encode
// back to the same bytes, and whatever list parses must print as a list that parses the same.

#include <algorithm>

#include "fuzz_support.hpp"
#include "linux/tpm2_params.hpp"

using namespace keyhold::platform::tpm2;
using keyhold::fuzz::require;

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
    if (const auto params = decode_params({data, size})) {
        const auto again = encode_params(*params);
        require(again.size() == size && std::equal(again.begin(), again.end(), data));
        require((params->pcrs.mask >> kPcrCount) == 0);
        require(key_id_of_sealed_file(sealed_file_name(params->key_id)) == params->key_id);
    }
    if (const auto pcrs = parse_pcr_list(keyhold::fuzz::as_text(data, size))) {
        require(!pcrs->empty() && (pcrs->mask >> kPcrCount) == 0);
        const auto reparsed = parse_pcr_list(pcr_list_text(*pcrs));
        require(reparsed && *reparsed == *pcrs);
    }
    (void)key_id_of_sealed_file(keyhold::fuzz::as_text(data, size));
    return 0;
}
