#include "keyhold/agent/wire.hpp"

#include <array>
#include <charconv>
#include <cstring>

#include "keyhold/encoding/display_text.hpp"

namespace keyhold::agent {
namespace {

constexpr std::size_t kMaxVerbBytes = 16;

// A decimal count as the format writes it: digits only, no sign, no leading zero, at most `limit`.
std::optional<std::size_t> parse_count(std::string_view text, std::size_t limit) {
    if (text.empty() || text.size() > 9 || (text.size() > 1 && text.front() == '0')) {
        return std::nullopt;
    }
    std::size_t value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end != text.data() + text.size() || value > limit) {
        return std::nullopt;
    }
    return value;
}

// Exactly `count` fields separated by single spaces; nullopt otherwise.
template <std::size_t count>
std::optional<std::array<std::string_view, count>> split_fields(std::string_view line) {
    std::array<std::string_view, count> fields{};
    for (std::size_t i = 0; i < count; ++i) {
        const std::size_t end = i + 1 < count ? line.find(' ') : std::string_view::npos;
        if (i + 1 < count && end == std::string_view::npos) {
            return std::nullopt;
        }
        fields[i] = line.substr(0, end);
        if (fields[i].empty() || (i + 1 == count && fields[i].find(' ') != std::string_view::npos)) {
            return std::nullopt;
        }
        line = end == std::string_view::npos ? std::string_view() : line.substr(end + 1);
    }
    return fields;
}

bool is_verb(std::string_view verb) {
    return !verb.empty() && verb.size() <= kMaxVerbBytes &&
           verb.find_first_not_of("abcdefghijklmnopqrstuvwxyz") == std::string_view::npos;
}

Error malformed(std::string_view what, std::string_view line) {
    return Error{"malformed keyhold agent " + std::string(what) + " '" + encoding::printable(line, 80) + "'"};
}

}  // namespace

std::string_view protocol_name(Protocol protocol) { return protocol == Protocol::docker ? "docker" : "git"; }

Result<RequestHeader> parse_request_header(std::string_view line) {
    const auto fields = split_fields<5>(line);
    if (!fields || (*fields)[0] != kMagic) {
        return std::unexpected(malformed("request", line));
    }
    if ((*fields)[1] != kWireVersion) {
        return fail("keyhold agent request of wire version '" + encoding::printable((*fields)[1], 16) +
                    "', but this agent speaks version 1: use the helpers of the same keyhold release");
    }
    RequestHeader header;
    if ((*fields)[2] == "docker") {
        header.protocol = Protocol::docker;
    } else if ((*fields)[2] == "git") {
        header.protocol = Protocol::git;
    } else {
        return std::unexpected(malformed("request", line));
    }
    const auto body_bytes = parse_count((*fields)[4], kMaxRequestBodyBytes);
    if (!is_verb((*fields)[3]) || !body_bytes) {
        return std::unexpected(malformed("request", line));
    }
    header.verb = std::string((*fields)[3]);
    header.body_bytes = *body_bytes;
    return header;
}

std::string format_request_header(Protocol protocol, std::string_view verb, std::size_t body_bytes) {
    return std::string(kMagic) + " " + std::string(kWireVersion) + " " + std::string(protocol_name(protocol)) + " " +
           std::string(verb) + " " + std::to_string(body_bytes) + "\n";
}

Result<std::optional<std::size_t>> find_header_end(std::string_view bytes) {
    const std::size_t end = bytes.substr(0, kMaxHeaderBytes).find('\n');
    if (end != std::string_view::npos) {
        return std::optional<std::size_t>(end);
    }
    if (bytes.size() >= kMaxHeaderBytes) {
        return std::unexpected(malformed("request", bytes.substr(0, kMaxHeaderBytes)));
    }
    return std::optional<std::size_t>();
}

Result<Request> parse_request(std::string_view bytes) {
    auto end = find_header_end(bytes);
    if (!end) {
        return std::unexpected(end.error());
    }
    if (!*end) {
        return std::unexpected(malformed("request", bytes));
    }
    auto header = parse_request_header(bytes.substr(0, **end));
    if (!header) {
        return std::unexpected(header.error());
    }
    const std::string_view body = bytes.substr(**end + 1);
    if (body.size() != header->body_bytes) {
        return fail("keyhold agent request with " + std::to_string(body.size()) + " bytes after its header, not the " +
                    std::to_string(header->body_bytes) + " it announced");
    }
    return Request{std::move(*header), body};
}

crypto::SecureBuffer format_answer(int exit_code, std::string_view out, std::string_view err) {
    const std::string header = std::string(kMagic) + " " + std::string(kWireVersion) + " " + std::to_string(exit_code) +
                               " " + std::to_string(out.size()) + " " + std::to_string(err.size()) + "\n";
    crypto::SecureBuffer answer(header.size() + out.size() + err.size());
    unsigned char* at = answer.data();
    for (const std::string_view part : {std::string_view(header), out, err}) {
        if (!part.empty()) {
            std::memcpy(at, part.data(), part.size());
            at += part.size();
        }
    }
    return answer;
}

namespace {

struct AnswerHeader {
    int exit_code = 0;
    std::size_t out_bytes = 0;
    std::size_t err_bytes = 0;
};

Result<AnswerHeader> parse_answer_header(std::string_view line) {
    const auto fields = split_fields<5>(line);
    if (!fields || (*fields)[0] != kMagic || (*fields)[1] != kWireVersion) {
        return std::unexpected(malformed("answer", line));
    }
    const auto exit_code = parse_count((*fields)[2], 255);
    const auto out_bytes = parse_count((*fields)[3], kMaxAnswerBytes);
    const auto err_bytes = parse_count((*fields)[4], kMaxAnswerBytes);
    if (!exit_code || !out_bytes || !err_bytes || *out_bytes + *err_bytes > kMaxAnswerBytes) {
        return std::unexpected(malformed("answer", line));
    }
    return AnswerHeader{static_cast<int>(*exit_code), *out_bytes, *err_bytes};
}

}  // namespace

Result<std::size_t> answer_size(std::string_view header_line) {
    auto header = parse_answer_header(header_line);
    if (!header) {
        return std::unexpected(header.error());
    }
    return header_line.size() + 1 + header->out_bytes + header->err_bytes;
}

Result<Answer> parse_answer(std::string_view bytes) {
    const std::size_t end = bytes.substr(0, kMaxHeaderBytes).find('\n');
    if (end == std::string_view::npos) {
        return std::unexpected(malformed("answer", bytes.substr(0, kMaxHeaderBytes)));
    }
    auto header = parse_answer_header(bytes.substr(0, end));
    if (!header) {
        return std::unexpected(header.error());
    }
    const std::string_view rest = bytes.substr(end + 1);
    if (rest.size() != header->out_bytes + header->err_bytes) {
        return fail("the keyhold agent's answer was cut short or overlong (" + std::to_string(rest.size()) +
                    " bytes after its header, not " + std::to_string(header->out_bytes + header->err_bytes) + ")");
    }
    return Answer{header->exit_code, rest.substr(0, header->out_bytes), rest.substr(header->out_bytes)};
}

}  // namespace keyhold::agent
