// Response header lines from an org's server (sync/http_client.hpp read_response_header), as
// libcurl hands them to keyhold one at a time. Each input line is one header line, with the
// line break libcurl leaves on it.

#include <algorithm>

#include "fuzz_support.hpp"
#include "keyhold/sync/http_client.hpp"

namespace {

using namespace keyhold;
using fuzz::require;

// Trimmed, and nothing that could end a header line when the ETag goes back in If-None-Match
// or fool a terminal when the Location is printed (a tab inside is harmless).
bool clean(std::string_view value) {
    const bool trimmed = value.empty() || (value.front() != ' ' && value.front() != '\t' && value.back() != ' ' &&
                                           value.back() != '\t');
    return trimmed && std::none_of(value.begin(), value.end(), [](char c) {
               const auto byte = static_cast<unsigned char>(c);
               return (byte < 0x20 && c != '\t') || byte == 0x7f;
           });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
    std::string_view input = fuzz::as_text(data, size);
    sync::HttpResponse response;
    while (!input.empty()) {
        const auto end = input.find('\n');
        const std::string_view line = end == std::string_view::npos ? input : input.substr(0, end + 1);
        input.remove_prefix(line.size());
        sync::read_response_header(line, response);
    }
    // What the sync engine compares and sleeps on: no stray white space, no negative wait.
    require(clean(response.etag) && clean(response.location));
    require(!response.retry_after || response.retry_after->count() >= 0);
    return 0;
}
