#include "keyhold/match/registry_key.hpp"

#include <algorithm>
#include <array>
#include <charconv>

#include "keyhold/encoding/display_text.hpp"

namespace keyhold::match {
namespace {

constexpr std::string_view kDockerHub = "docker.io";
// Docker Hub answers under several names; docker itself keys it as https://index.docker.io/v1/.
constexpr std::array<std::string_view, 3> kDockerHubAliases = {"docker.io", "index.docker.io", "registry-1.docker.io"};
// docker stores its own OAuth tokens under these keys: they are not Hub passwords and must
// not answer, or be answered by, the Hub entry.
constexpr std::array<std::string_view, 2> kDockerTokenKeys = {"docker.io/v1/access-token", "docker.io/v1/refresh-token"};

// A request's address is shown without user information: `https://alice:PW@ghcr.io` is refused,
// and the refusal must not print the password it was handed.
Error invalid(std::string_view server_url, std::string_view why) {
    return Error{"'" + encoding::address_for_display(server_url) + "' is not a registry address: " + std::string(why)};
}

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string lowercase(std::string_view text) {
    std::string result(text);
    std::transform(result.begin(), result.end(), result.begin(), lower);
    return result;
}

bool is_host_name_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_';
}

bool is_ipv6_literal_char(char c) { return (c >= 'a' && c <= 'f') || (c >= '0' && c <= '9') || c == ':' || c == '.'; }

// "host", "host:port", "[v6]:port" → "host[:port]" lowercased, :443 folded; empty on error.
Result<std::string> normalize_authority(std::string_view server_url, std::string_view authority) {
    std::string_view host = authority;
    std::string_view port;
    if (authority.starts_with('[')) {
        const auto close = authority.find(']');
        if (close == std::string_view::npos) {
            return std::unexpected(invalid(server_url, "an IPv6 address is missing its ']'"));
        }
        host = authority.substr(0, close + 1);
        const std::string_view after = authority.substr(close + 1);
        if (!after.empty()) {
            if (!after.starts_with(':')) {
                return std::unexpected(invalid(server_url, "unexpected text after the IPv6 address"));
            }
            port = after.substr(1);
        }
    } else if (const auto colon = authority.find(':'); colon != std::string_view::npos) {
        host = authority.substr(0, colon);
        port = authority.substr(colon + 1);
    }

    std::string normalized = lowercase(host);
    if (normalized.starts_with('[')) {
        const std::string_view inside = std::string_view(normalized).substr(1, normalized.size() - 2);
        if (inside.empty() || !std::all_of(inside.begin(), inside.end(), is_ipv6_literal_char)) {
            return std::unexpected(invalid(server_url, "the IPv6 address has characters an address cannot have"));
        }
    } else {
        // ".." is refused before the root's dot goes: "example.com.." would otherwise become
        // "example.com.", a key that no request can spell again (tests/fuzz/registry_key_fuzzer).
        const bool empty_label = normalized.starts_with('.') || normalized.find("..") != std::string::npos;
        if (normalized.ends_with('.')) {
            normalized.pop_back();  // "example.com." is the fully qualified spelling of example.com
        }
        if (normalized.empty() || empty_label ||
            !std::all_of(normalized.begin(), normalized.end(), is_host_name_char)) {
            return std::unexpected(invalid(server_url, "the host name has characters a host name cannot have"));
        }
    }

    if (authority.find(':', host.size()) != std::string_view::npos) {
        unsigned value = 0;
        const auto [end, error] = std::from_chars(port.data(), port.data() + port.size(), value);
        if (port.empty() || error != std::errc() || end != port.data() + port.size() || value == 0 || value > 65535) {
            return std::unexpected(invalid(server_url, "the port is not a number from 1 to 65535"));
        }
        if (value != 443) {
            normalized += ':' + std::to_string(value);
        }
    }
    if (std::find(kDockerHubAliases.begin(), kDockerHubAliases.end(), normalized) != kDockerHubAliases.end()) {
        normalized = kDockerHub;
    }
    return normalized;
}

bool is_docker_token_key(std::string_view canonical) {
    return std::find(kDockerTokenKeys.begin(), kDockerTokenKeys.end(), canonical) != kDockerTokenKeys.end();
}

}  // namespace

std::string RegistryKey::canonical() const {
    std::string key = host;
    for (const std::string& segment : path) {
        key += '/';
        key += segment;
    }
    return key;
}

Result<RegistryKey> parse_registry_key(std::string_view server_url) {
    if (server_url.empty()) {
        return std::unexpected(invalid(server_url, "it is empty"));
    }
    if (server_url.find('@') != std::string_view::npos) {
        return std::unexpected(
            invalid(server_url, "it contains '@': a user name or password does not belong in a registry address"));
    }
    for (const char c : server_url) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte <= 0x20 || byte == 0x7f || c == '\\' || c == '?' || c == '#') {
            return std::unexpected(
                invalid(server_url, "it contains a space, a control character, or one of \\ ? #"));
        }
        // Registry names and repository paths are ASCII (an IDN host travels as xn--…), and
        // nothing decodes percent-escapes: "%2e%2e" must not be a way around the ".." rule, nor
        // U+202E a way to make `list` show a path reversed.
        if (byte >= 0x80 || c == '%') {
            return std::unexpected(invalid(server_url, "it contains '%' or a character that is not ASCII"));
        }
    }
    std::string_view rest = server_url;
    if (const auto scheme_end = rest.find("://"); scheme_end != std::string_view::npos) {
        const std::string scheme = lowercase(rest.substr(0, scheme_end));
        if (scheme != "https" && scheme != "http") {
            return std::unexpected(invalid(server_url, "only http:// and https:// addresses name registries"));
        }
        rest.remove_prefix(scheme_end + 3);
    }
    const auto path_start = rest.find('/');
    const std::string_view authority = rest.substr(0, path_start);
    if (authority.empty()) {
        return std::unexpected(invalid(server_url, "it has no host"));
    }
    auto host = normalize_authority(server_url, authority);
    if (!host) {
        return std::unexpected(host.error());
    }

    RegistryKey key;
    key.host = std::move(*host);
    std::string_view path = path_start == std::string_view::npos ? std::string_view() : rest.substr(path_start);
    while (!path.empty()) {
        const auto slash = path.find('/');
        const std::string_view segment = path.substr(0, slash);
        path = slash == std::string_view::npos ? std::string_view() : path.substr(slash + 1);
        if (segment.empty()) {
            continue;  // "//" and a trailing "/" carry no meaning
        }
        if (segment == "." || segment == "..") {
            return std::unexpected(invalid(server_url, "its path has a '.' or '..' segment"));
        }
        key.path.emplace_back(segment);
    }
    key.exact_only = is_docker_token_key(key.canonical());
    if (!key.exact_only && !key.path.empty() && (key.path.back() == "v1" || key.path.back() == "v2")) {
        key.path.pop_back();  // the registry API version, not a namespace
    }
    return key;
}

bool registry_entry_matches(const RegistryKey& request, std::string_view request_canonical,
                            const store::Entry& entry) {
    if (entry.kind != store::EntryKind::registry) {
        return false;
    }
    // Entry keys are canonical: "host[:port]" up to the first '/', then the path.
    const std::string_view entry_host = entry.key.substr(0, entry.key.find('/'));
    if (entry_host != request.host) {
        return false;
    }
    if (request.exact_only || is_docker_token_key(entry.key)) {
        return entry.key == request_canonical;
    }
    const std::string_view entry_path = entry.key.substr(entry_host.size());
    const std::string_view wanted_path = request_canonical.substr(request.host.size());
    return wanted_path.starts_with(entry_path) &&
           (wanted_path.size() == entry_path.size() || wanted_path[entry_path.size()] == '/');
}

}  // namespace keyhold::match
