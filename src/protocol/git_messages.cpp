#include "keyhold/protocol/git_messages.hpp"

#include <charconv>
#include <cstring>
#include <string>

#include "keyhold/encoding/display_text.hpp"

namespace keyhold::protocol {
namespace {

using crypto::SecureArena;

// RFC 3986 percent-decoding, as git's url_decode does for the parts of url=.
std::string_view keep_decoded(SecureArena& arena, std::string_view text) {
    crypto::SecureBuffer decoded(text.size());
    std::size_t length = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        unsigned value = 0;
        if (text[i] == '%' && i + 2 < text.size() &&
            std::from_chars(text.data() + i + 1, text.data() + i + 3, value, 16).ptr == text.data() + i + 3) {
            decoded.data()[length++] = static_cast<unsigned char>(value);
            i += 2;
        } else {
            decoded.data()[length++] = static_cast<unsigned char>(text[i]);
        }
    }
    decoded.resize(length);
    return arena.keep(decoded.text());
}

bool is_true(std::string_view value) {
    return value == "1" || value == "true" || value == "yes" || value == "on";
}

bool has_line_breaks(std::string_view value) {
    return value.find('\n') != std::string_view::npos || value.find('\r') != std::string_view::npos ||
           value.find('\0') != std::string_view::npos;
}

Error refused(std::string_view why) { return Error{"refusing the credential request: " + std::string(why)}; }

// url=PROTOCOL://[USER[:PASSWORD]@]HOST[/PATH], replacing whatever was read before, as git's
// credential_from_url does.
Result<void> expand_url(std::string_view url, GitRequest& request, SecureArena& arena) {
    const auto scheme_end = url.find("://");
    if (scheme_end == std::string_view::npos || scheme_end == 0) {
        return std::unexpected(refused("url= has no protocol"));
    }
    const bool capability_authtype = request.capability_authtype;  // said before, not part of the URL
    request = GitRequest{};
    request.capability_authtype = capability_authtype;
    request.protocol = arena.keep(url.substr(0, scheme_end));
    std::string_view rest = url.substr(scheme_end + 3);
    const auto slash = rest.find('/');
    std::string_view authority = rest.substr(0, slash);
    if (const auto at = authority.rfind('@'); at != std::string_view::npos) {
        const std::string_view userinfo = authority.substr(0, at);
        const auto colon = userinfo.find(':');
        request.username = keep_decoded(arena, userinfo.substr(0, colon));
        if (colon != std::string_view::npos) {
            request.password = crypto::SecretView(keep_decoded(arena, userinfo.substr(colon + 1)));
        }
        authority = authority.substr(at + 1);
    }
    request.host = keep_decoded(arena, authority);
    if (slash != std::string_view::npos) {
        std::string_view path = rest.substr(slash + 1);
        while (path.ends_with('/')) {
            path.remove_suffix(1);
        }
        if (!path.empty()) {
            request.path = keep_decoded(arena, path);
        }
    }
    return {};
}

Result<void> take_attribute(std::string_view key, std::string_view value, GitRequest& request, SecureArena& arena) {
    if (key == "protocol") {
        request.protocol = arena.keep(value);
    } else if (key == "host") {
        request.host = arena.keep(value);
    } else if (key == "path") {
        request.path = arena.keep(value);
    } else if (key == "username") {
        request.username = arena.keep(value);
    } else if (key == "password") {
        request.password = crypto::SecretView(arena.keep(value));
    } else if (key == "password_expiry_utc") {
        // As git: an unparsable or zero value means no expiry.
        std::int64_t seconds = 0;
        const auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), seconds);
        request.password_expiry_utc =
            (error == std::errc() && end == value.data() + value.size() && seconds > 0) ? std::optional(seconds)
                                                                                         : std::nullopt;
    } else if (key == "oauth_refresh_token") {
        request.oauth_refresh_token = crypto::SecretView(arena.keep(value));
    } else if (key == "authtype") {
        request.authtype = arena.keep(value);
    } else if (key == "credential") {
        request.credential = crypto::SecretView(arena.keep(value));
    } else if (key == "ephemeral") {
        request.ephemeral = is_true(value);
    } else if (key == "capability[]") {
        // An empty value clears the list (git-credential(1), multi-valued attributes).
        request.capability_authtype = !value.empty() && (request.capability_authtype || value == "authtype");
    } else if (key == "url") {
        return expand_url(value, request, arena);
    }
    return {};
}

}  // namespace

Result<GitRequest> parse_git_request(std::string_view input, crypto::SecureArena& arena) {
    if (input.find('\0') != std::string_view::npos) {
        return std::unexpected(refused("it contains a NUL byte"));
    }
    GitRequest request;
    while (!input.empty()) {
        const auto end = input.find('\n');
        std::string_view line = input.substr(0, end);
        input = end == std::string_view::npos ? std::string_view() : input.substr(end + 1);
        if (line.ends_with('\r')) {
            line.remove_suffix(1);  // CRLF, as git's strbuf_getline accepts
        }
        if (line.empty()) {
            break;
        }
        if (line.size() > kMaxGitLineBytes) {
            return std::unexpected(refused("a line is longer than git's limit of 65535 bytes"));
        }
        const auto equals = line.find('=');
        if (equals == std::string_view::npos) {
            return std::unexpected(refused("a line has no '='"));
        }
        const std::string_view key = line.substr(0, equals);
        const std::string_view value = line.substr(equals + 1);
        if (value.find('\r') != std::string_view::npos) {
            return std::unexpected(
                refused("the value of '" + encoding::printable(key, 64) + "' contains a carriage return"));
        }
        if (auto taken = take_attribute(key, value, request, arena); !taken) {
            return std::unexpected(taken.error());
        }
    }
    for (const auto& value : {request.protocol, request.host, request.path, request.username}) {
        if (value && has_line_breaks(*value)) {
            return std::unexpected(refused("a url= part decodes to a newline, carriage return or NUL"));
        }
    }
    // git refuses these in a host since its credential-protocol CVEs (CVE-2024-52006 among
    // them): a terminal or a log would act on them, and a host is what an entry is stored under.
    if (request.host && encoding::has_control_characters(*request.host)) {
        return std::unexpected(refused("the host contains a control character"));
    }
    for (const auto& secret : {request.password, request.oauth_refresh_token, request.credential}) {
        if (secret && has_line_breaks(secret->expose())) {
            return std::unexpected(refused("a url= part decodes to a newline, carriage return or NUL"));
        }
    }
    return request;
}

crypto::SecureBuffer format_git_answer(const GitAnswer& answer, bool capability_authtype) {
    std::string text;
    const bool typed = capability_authtype && !answer.authtype.empty() && !answer.credential.empty();
    if (capability_authtype) {
        text += "capability[]=authtype\n";
    }
    if (typed) {
        text.append("authtype=").append(answer.authtype).append("\n");
        text.append("credential=").append(answer.credential.expose()).append("\n");
    }
    if (!typed || !answer.password.empty()) {
        text.append("username=").append(answer.username).append("\n");
        text.append("password=").append(answer.password.expose()).append("\n");
    }
    if (answer.password_expiry_utc) {
        text.append("password_expiry_utc=").append(std::to_string(*answer.password_expiry_utc)).append("\n");
    }
    if (!answer.oauth_refresh_token.empty()) {
        text.append("oauth_refresh_token=").append(answer.oauth_refresh_token.expose()).append("\n");
    }
    return crypto::SecureBuffer::copy_of(text);
}

}  // namespace keyhold::protocol
