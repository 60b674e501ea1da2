#include "git_credentials_file.hpp"

#include <algorithm>
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

// One line as git's credential_from_url() reads it, case (3) `proto://user:pass@host/...`;
// nullopt for anything else. Split exactly as git splits it (the first '@' and ':' of the line,
// the host ending at '/', '?' or '#', the protocol not decoded): keyhold must store a line for
// the host git would have sent it to, and no other.
std::optional<StoredGitCredential> parse_line(std::string_view line) {
    const std::size_t scheme_end = line.find("://");
    if (scheme_end == std::string_view::npos || scheme_end == 0) {
        return std::nullopt;
    }
    const std::string_view rest = line.substr(scheme_end + 3);
    const std::size_t at = rest.find('@');
    const std::size_t colon = rest.find(':');
    const std::size_t slash = std::min(rest.find_first_of("/?#"), rest.size());
    if (at == std::string_view::npos || slash <= at || colon == std::string_view::npos || at <= colon) {
        return std::nullopt;  // no user name, or no password: git-credential-store never wrote it
    }
    std::string_view path_part = rest.substr(slash);
    while (path_part.starts_with('/')) {
        path_part.remove_prefix(1);
    }
    StoredGitCredential credential;
    const std::string_view protocol = line.substr(0, scheme_end);
    auto host = percent_decode(rest.substr(at + 1, slash - at - 1));
    auto username = percent_decode(rest.substr(0, colon));
    auto path = percent_decode(path_part);
    const std::string_view password = rest.substr(colon + 1, at - colon - 1);
    credential.password = crypto::SecureBuffer(password.size());
    const auto password_length = percent_decode_into(password, credential.password.data());
    // The protocol is not decoded, so its raw bytes are checked as the decoded parts are.
    if (protocol.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos || !host || !username ||
        !path ||
        !password_length || host->empty()) {
        return std::nullopt;
    }
    credential.password.resize(*password_length);
    credential.protocol = std::string(protocol);
    credential.host = std::move(*host);
    credential.username = std::move(*username);
    credential.path = std::move(*path);
    while (credential.path.size() > 1 && credential.path.back() == '/') {
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
