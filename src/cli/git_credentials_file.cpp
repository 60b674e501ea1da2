#include "git_credentials_file.hpp"

#include <optional>

namespace keyhold::cli {
namespace {

int hex_value(char digit) {
    if (digit >= '0' && digit <= '9') {
        return digit - '0';
    }
    if (digit >= 'a' && digit <= 'f') {
        return digit - 'a' + 10;
    }
    if (digit >= 'A' && digit <= 'F') {
        return digit - 'A' + 10;
    }
    return -1;
}

// git's url_decode: %XX becomes the byte, anything else stays (a lone '%' too). nullopt when the
// result holds a newline or NUL, which git refuses in a credential (CVE-2020-5260).
std::optional<std::size_t> percent_decode_into(std::string_view encoded, unsigned char* out) {
    std::size_t length = 0;
    for (std::size_t i = 0; i < encoded.size(); ++i) {
        unsigned char byte = static_cast<unsigned char>(encoded[i]);
        if (encoded[i] == '%' && i + 2 < encoded.size() && hex_value(encoded[i + 1]) >= 0 &&
            hex_value(encoded[i + 2]) >= 0) {
            byte = static_cast<unsigned char>(hex_value(encoded[i + 1]) * 16 + hex_value(encoded[i + 2]));
            i += 2;
        }
        if (byte == '\n' || byte == '\r' || byte == '\0') {
            return std::nullopt;
        }
        out[length++] = byte;
    }
    return length;
}

std::optional<std::string> percent_decode(std::string_view encoded) {
    std::string decoded(encoded.size(), '\0');
    const auto length = percent_decode_into(encoded, reinterpret_cast<unsigned char*>(decoded.data()));
    if (!length) {
        return std::nullopt;
    }
    decoded.resize(*length);
    return decoded;
}

// One line as git's credential_from_url() reads it; nullopt for anything without a protocol,
// a host, a username and a password.
std::optional<StoredGitCredential> parse_line(std::string_view line) {
    const std::size_t scheme_end = line.find("://");
    if (scheme_end == std::string_view::npos || scheme_end == 0) {
        return std::nullopt;
    }
    const std::string_view rest = line.substr(scheme_end + 3);
    const std::size_t slash = rest.find('/');
    const std::string_view authority = rest.substr(0, slash);
    const std::size_t at = authority.rfind('@');
    if (at == std::string_view::npos) {
        return std::nullopt;
    }
    const std::string_view user_info = authority.substr(0, at);
    const std::size_t colon = user_info.find(':');
    if (colon == std::string_view::npos) {
        return std::nullopt;
    }
    StoredGitCredential credential;
    auto protocol = percent_decode(line.substr(0, scheme_end));
    auto host = percent_decode(authority.substr(at + 1));
    auto username = percent_decode(user_info.substr(0, colon));
    auto path = percent_decode(slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1));
    const std::string_view password = user_info.substr(colon + 1);
    credential.password = crypto::SecureBuffer(password.size());
    const auto password_length = percent_decode_into(password, credential.password.data());
    if (!protocol || !host || !username || !path || !password_length || host->empty()) {
        return std::nullopt;
    }
    credential.password.resize(*password_length);
    credential.protocol = std::move(*protocol);
    credential.host = std::move(*host);
    credential.username = std::move(*username);
    credential.path = std::move(*path);
    while (!credential.path.empty() && credential.path.back() == '/') {
        credential.path.pop_back();
    }
    return credential;
}

}  // namespace

GitCredentialsFile parse_git_credentials(std::string_view text) {
    GitCredentialsFile file;
    std::size_t number = 0;
    for (std::size_t start = 0; start < text.size(); ++number) {
        const std::size_t end = std::min(text.find('\n', start), text.size());
        const std::string_view line = text.substr(start, end - start);
        start = end + 1;
        if (line.empty()) {
            continue;
        }
        if (auto credential = parse_line(line)) {
            credential->line = number;
            file.credentials.push_back(std::move(*credential));
        } else {
            file.other_lines.push_back(number);
        }
    }
    return file;
}

std::string without_lines(std::string_view text, const std::set<std::size_t>& lines) {
    std::string kept;
    std::size_t number = 0;
    for (std::size_t start = 0; start < text.size(); ++number) {
        const std::size_t end = text.find('\n', start);
        const std::size_t next = end == std::string_view::npos ? text.size() : end + 1;
        if (!lines.contains(number)) {
            kept.append(text.substr(start, next - start));
        }
        start = next;
    }
    return kept;
}

}  // namespace keyhold::cli
