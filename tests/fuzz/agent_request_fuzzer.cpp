// The keyhold agent's wire format (agent/wire.hpp): what any process that can connect to the
// socket sends the agent (a request), and what a socket named in KEYHOLD_AGENT_SOCK sends a
// helper (an answer). Either parses to exactly what it says, or is refused.

#include <string>

#include "fuzz_support.hpp"
#include "keyhold/agent/wire.hpp"

using namespace keyhold;
using fuzz::require;

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
    fuzz::initialize_sodium_once();
    const std::string_view input = fuzz::as_text(data, size);

    // A request that parses is a header the agent could have written and exactly its body.
    if (const auto request = agent::parse_request(input)) {
        require(request->header.body_bytes == request->body.size());
        require(request->body.size() <= agent::kMaxRequestBodyBytes);
        const std::string again =
            agent::format_request_header(request->header.protocol, request->header.verb, request->body.size()) +
            std::string(request->body);
        require(again == input);
    }
    // The header reader the server uses agrees with the whole-request parser on its limit.
    if (const auto end = agent::find_header_end(input); end && *end) {
        require(**end < agent::kMaxHeaderBytes && input[**end] == '\n');
    }

    // An answer that parses is its exit code, and its two bodies cover the rest exactly.
    if (const auto answer = agent::parse_answer(input)) {
        require(answer->exit_code >= 0 && answer->exit_code <= 255);
        const crypto::SecureBuffer again = agent::format_answer(answer->exit_code, answer->out, answer->err);
        require(again.text() == input);
        const std::size_t header_end = input.find('\n');
        require(agent::answer_size(input.substr(0, header_end)).value() == input.size());
    }
    return 0;
}
