#pragma once
// The keyhold agent's wire format (docs/agent.md, "Wire format"): one request and one answer per
// connection, each a header line and length-counted bytes, so that nothing in a body (a URL, a
// git request, a JSON answer) is ever taken for framing.
//
//   request: "keyhold-agent 1 PROTOCOL VERB BODY_BYTES\n" BODY
//   answer:  "keyhold-agent 1 EXIT_CODE OUT_BYTES ERR_BYTES\n" OUT ERR
//
// The client forwards its verb and its stdin; the agent answers with what the helper would
// have printed on stdout and stderr and its exit code, which the client relays as they are.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "keyhold/crypto/secure_buffer.hpp"
#include "keyhold/error.hpp"

namespace keyhold::agent {

inline constexpr std::string_view kMagic = "keyhold-agent";
inline constexpr std::string_view kWireVersion = "1";
// A header line is short; a longer one is no header.
inline constexpr std::size_t kMaxHeaderBytes = 128;
// A request is a server URL or a few git attributes: 64 KiB is git's own line limit.
inline constexpr std::size_t kMaxRequestBodyBytes = std::size_t{64} << 10;
// An answer holds one credential (secrets can be longer than 64 KiB) or docker's list.
inline constexpr std::size_t kMaxAnswerBytes = std::size_t{16} << 20;

enum class Protocol { docker, git };
std::string_view protocol_name(Protocol protocol);

struct RequestHeader {
    Protocol protocol = Protocol::docker;
    std::string verb;  // lowercase letters only, at most 16
    std::size_t body_bytes = 0;
};

// The header line without its '\n'. Strict: five fields separated by single spaces, the magic,
// version 1, a known protocol, a verb of 1 to 16 lowercase letters, a decimal length without
// sign or leading zero of at most kMaxRequestBodyBytes.
Result<RequestHeader> parse_request_header(std::string_view line);
std::string format_request_header(Protocol protocol, std::string_view verb, std::size_t body_bytes);

// Where a request's header ends: the index of its '\n'; nullopt while `bytes` holds none yet;
// an error once kMaxHeaderBytes passed without one.
Result<std::optional<std::size_t>> find_header_end(std::string_view bytes);

struct Request {
    RequestHeader header;
    std::string_view body;  // a view into the bytes parsed
};

// A whole request: header and exactly BODY_BYTES more, nothing after them.
Result<Request> parse_request(std::string_view bytes);

struct Answer {
    int exit_code = 0;
    std::string_view out;
    std::string_view err;
};

// The answer as sent: in secure memory, for `out` may hold a secret.
crypto::SecureBuffer format_answer(int exit_code, std::string_view out, std::string_view err);

// How many bytes the whole answer takes, from its header line (without the '\n'): checked as
// parse_answer() checks it, so that a reader allocates what the header announces and no more.
Result<std::size_t> answer_size(std::string_view header_line);

// A whole answer, as strictly as a request: exit code 0 to 255, the lengths within
// kMaxAnswerBytes together, nothing after the two bodies.
Result<Answer> parse_answer(std::string_view bytes);

}  // namespace keyhold::agent
