#include "keyhold/sync/http_client.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>
#include <memory>
#include <mutex>

#include "keyhold/encoding/display_text.hpp"
#include "keyhold/platform/files.hpp"
#include "keyhold/platform/ip_address.hpp"
#include "keyhold/version.hpp"

namespace keyhold::sync {
namespace {

constexpr std::size_t kMaxCaFileBytes = std::size_t{4} << 20;

struct CurlUrlDeleter {
    void operator()(CURLU* url) const { curl_url_cleanup(url); }
};
struct CurlDeleter {
    void operator()(CURL* curl) const { curl_easy_cleanup(curl); }
};
struct SlistDeleter {
    void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};

void initialize_curl_once() {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct UrlParts {
    std::string scheme;
    std::string host;  // as libcurl's URL parser reads it: lowercase, IPv4 normalized, IPv6 in []
    bool has_user_info = false;
};

std::optional<UrlParts> split_url(std::string_view url) {
    std::unique_ptr<CURLU, CurlUrlDeleter> parsed(curl_url());
    if (!parsed || curl_url_set(parsed.get(), CURLUPART_URL, std::string(url).c_str(), 0) != CURLUE_OK) {
        return std::nullopt;
    }
    char* scheme = nullptr;
    char* host = nullptr;
    std::optional<UrlParts> parts;
    if (curl_url_get(parsed.get(), CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
        curl_url_get(parsed.get(), CURLUPART_HOST, &host, 0) == CURLUE_OK) {
        parts = UrlParts{scheme, host, false};
        for (const CURLUPart part : {CURLUPART_USER, CURLUPART_PASSWORD, CURLUPART_OPTIONS}) {
            char* value = nullptr;
            parts->has_user_info = parts->has_user_info || curl_url_get(parsed.get(), part, &value, 0) == CURLUE_OK;
            curl_free(value);
        }
    }
    curl_free(scheme);
    curl_free(host);
    return parts;
}

// Decided on the address the connection will go to, never on how the name reads:
// `127.attacker.example` is a DNS name like any other. `localhost` is the one name libcurl
// answers itself with a loopback address, without asking a resolver.
bool is_loopback_host(std::string_view host) {
    if (host == "localhost") {
        return true;
    }
    if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
        const auto address = platform::parse_ipv6(host.substr(1, host.size() - 2));
        if (!address) {
            return false;
        }
        constexpr std::array<unsigned char, 16> kLoopback{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
        const bool v4_mapped = std::all_of(address->begin(), address->begin() + 10, [](unsigned char b) { return b == 0; }) &&
                               (*address)[10] == 0xff && (*address)[11] == 0xff;
        return *address == kLoopback || (v4_mapped && (*address)[12] == 127);
    }
    const auto address = platform::parse_ipv4(host);
    return address && (*address)[0] == 127;
}

// Grows a secure buffer by doubling, refusing to pass the limit.
struct BodySink {
    crypto::SecureBuffer buffer{4096};
    std::size_t used = 0;
    std::size_t limit = 0;
    bool too_large = false;

    bool append(const char* data, std::size_t size) {
        if (used + size > limit) {
            too_large = true;
            return false;
        }
        if (used + size > buffer.capacity()) {
            crypto::SecureBuffer bigger(std::min(std::max(buffer.capacity() * 2, used + size), limit));
            std::memcpy(bigger.data(), buffer.data(), used);
            buffer = std::move(bigger);
        }
        std::memcpy(buffer.data() + used, data, size);
        used += size;
        return true;
    }
};

extern "C" std::size_t write_body(char* data, std::size_t size, std::size_t count, void* sink_pointer) {
    auto* sink = static_cast<BodySink*>(sink_pointer);
    return sink->append(data, size * count) ? size * count : 0;
}

std::string_view trim(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) {
        text.remove_prefix(1);
    }
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r' || text.back() == '\n')) {
        text.remove_suffix(1);
    }
    return text;
}

bool header_is(std::string_view line, std::string_view name) {
    // `name` is lowercase; header names are case-insensitive (RFC 9110, 5.1).
    return line.size() > name.size() && line[name.size()] == ':' &&
           std::equal(name.begin(), name.end(), line.begin(),
                      [](char lower, char c) { return std::tolower(static_cast<unsigned char>(c)) == lower; });
}

extern "C" std::size_t read_header(char* data, std::size_t size, std::size_t count, void* response_pointer) {
    read_response_header(std::string_view(data, size * count), *static_cast<HttpResponse*>(response_pointer));
    return size * count;
}

bool is_transient(CURLcode code) {
    switch (code) {
        case CURLE_COULDNT_RESOLVE_HOST:
        case CURLE_COULDNT_CONNECT:
        case CURLE_OPERATION_TIMEDOUT:
        case CURLE_SEND_ERROR:
        case CURLE_RECV_ERROR:
        case CURLE_GOT_NOTHING:
        case CURLE_PARTIAL_FILE:
            return true;
        default:
            return false;
    }
}

}  // namespace

void read_response_header(std::string_view line, HttpResponse& response) {
    // A control character in an ETag would be sent back in the next request's If-None-Match
    // (a bare CR splits headers for some servers), one in a Location printed in a message:
    // such a value is ignored (tests/fuzz/http_header_fuzzer found "Location: \r: \r\n").
    const auto printable = [](std::string_view value) {
        return std::none_of(value.begin(), value.end(), [](char c) {
            const auto byte = static_cast<unsigned char>(c);
            return (byte < 0x20 && c != '\t') || byte == 0x7f;
        });
    };
    if (header_is(line, "etag")) {
        const std::string_view value = trim(line.substr(5));
        response.etag = printable(value) ? value : std::string_view();
    } else if (header_is(line, "location")) {
        const std::string_view value = trim(line.substr(9));
        response.location = printable(value) ? value : std::string_view();
    } else if (header_is(line, "retry-after")) {
        // Seconds; an HTTP-date is treated as "soon" (the backoff decides).
        const std::string_view value = trim(line.substr(12));
        long long seconds = 0;
        const auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), seconds);
        if (error == std::errc() && end == value.data() + value.size() && seconds >= 0) {
            response.retry_after = std::chrono::seconds(seconds);
        }
    }
}

bool is_bearer_token(std::string_view token) {
    return std::all_of(token.begin(), token.end(), [](char c) { return c > 0x20 && c < 0x7f; });
}

Result<void> check_url_allowed(std::string_view url) {
    const std::string shown = "'" + encoding::address_for_display(url) + "'";
    const auto parts = split_url(url);
    if (!parts) {
        return fail(shown + " is not a URL");
    }
    // libcurl reads "https:///v1" as host "v1"; what was written names no host at all.
    const auto authority = url.find("://");
    if (parts->host.empty() || (authority != std::string_view::npos && url.substr(authority + 3).starts_with('/'))) {
        return fail(shown + " names no host");
    }
    if (parts->has_user_info) {
        // libcurl would send them as Basic auth beside the token, and every message would show them.
        return fail(shown + " holds a user name or password; keyhold takes the API token on stdin, "
                            "never in the URL: give the address alone");
    }
    if (parts->scheme == "https") {
        return {};
    }
    if (parts->scheme == "http" && is_loopback_host(parts->host)) {
        return {};  // a local stand-in: nothing crosses the network
    }
    return fail(shown + " is not https: keyhold sends org tokens only over HTTPS " +
                "(plain http only to a loopback address: 127.0.0.0/8, [::1] or localhost)");
}

std::expected<HttpResponse, TransportError> perform(const HttpRequest& request) {
    if (auto allowed = check_url_allowed(request.url); !allowed) {
        return std::unexpected(TransportError{allowed.error().message, false});
    }
    if (!is_bearer_token(request.bearer_token.expose())) {
        // A token stored before keyhold checked them: never let it write headers of its own.
        return std::unexpected(TransportError{
            "the source's API token holds a character no token has; add the source again with the token alone",
            false});
    }
    initialize_curl_once();
    std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
    if (!curl) {
        return std::unexpected(TransportError{"cannot start an HTTP client (libcurl)", false});
    }
    HttpResponse response;
    BodySink sink;
    sink.limit = request.max_response_bytes;
    char error_text[CURL_ERROR_SIZE] = {};

    curl_slist* raw_headers = curl_slist_append(nullptr, "Accept: application/json");
    for (const std::string& header : request.headers) {
        raw_headers = curl_slist_append(raw_headers, header.c_str());
    }
    std::unique_ptr<curl_slist, SlistDeleter> headers(raw_headers);
    // libcurl wants the token NUL-terminated; keep that copy in secure memory too.
    crypto::SecureBuffer token(request.bearer_token.size() + 1);
    std::memcpy(token.data(), request.bearer_token.expose().data(), request.bearer_token.size());
    token.data()[request.bearer_token.size()] = 0;
    const std::string user_agent = "keyhold/" + std::string(kVersion);

    CURL* handle = curl.get();
    curl_easy_setopt(handle, CURLOPT_URL, request.url.c_str());
    curl_easy_setopt(handle, CURLOPT_PROTOCOLS_STR, "https,http");  // http only to loopback, checked above
    if (const auto parts = split_url(request.url); parts && parts->scheme == "http") {
        // Plain http goes straight to loopback: a proxy from the environment would carry the
        // token, in the clear, off this machine.
        curl_easy_setopt(handle, CURLOPT_PROXY, "");
    }
    curl_easy_setopt(handle, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    curl_easy_setopt(handle, CURLOPT_SSLVERSION, static_cast<long>(CURL_SSLVERSION_TLSv1_2));
    curl_easy_setopt(handle, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(handle, CURLOPT_SSL_VERIFYHOST, 2L);
    // The source's CA file, read here rather than by path in libcurl: a FIFO swapped in for it
    // after `source add` would block the sync, and the sync lock with it, forever.
    std::vector<unsigned char> ca_bundle;
    if (request.ca_file) {
        auto read = platform::read_public_file(*request.ca_file, kMaxCaFileBytes);
        if (!read) {
            return std::unexpected(TransportError{"the source's --ca-file: " + read.error().message, false});
        }
        ca_bundle = std::move(*read);
        curl_blob blob{ca_bundle.data(), ca_bundle.size(), CURL_BLOB_NOCOPY};
        curl_easy_setopt(handle, CURLOPT_CAINFO_BLOB, &blob);
    }
    // A redirect could carry the token to another host or to plain http: none is followed.
    curl_easy_setopt(handle, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(handle, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(request.connect_timeout.count()));
    curl_easy_setopt(handle, CURLOPT_TIMEOUT_MS, static_cast<long>(request.total_timeout.count()));
    curl_easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(handle, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(handle, CURLOPT_USERAGENT, user_agent.c_str());
    curl_easy_setopt(handle, CURLOPT_HTTPHEADER, headers.get());
    if (!request.bearer_token.empty()) {
        curl_easy_setopt(handle, CURLOPT_HTTPAUTH, CURLAUTH_BEARER);
        curl_easy_setopt(handle, CURLOPT_XOAUTH2_BEARER, reinterpret_cast<const char*>(token.data()));
    }
    if (!request.body.empty()) {
        curl_easy_setopt(handle, CURLOPT_POSTFIELDS, request.body.c_str());
        curl_easy_setopt(handle, CURLOPT_POSTFIELDSIZE, static_cast<long>(request.body.size()));
    }
    curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, write_body);
    curl_easy_setopt(handle, CURLOPT_WRITEDATA, &sink);
    curl_easy_setopt(handle, CURLOPT_HEADERFUNCTION, read_header);
    curl_easy_setopt(handle, CURLOPT_HEADERDATA, &response);
    curl_easy_setopt(handle, CURLOPT_ERRORBUFFER, error_text);

    const CURLcode code = curl_easy_perform(handle);
    if (sink.too_large) {
        return std::unexpected(TransportError{"the answer from " + encoding::address_for_display(request.url) + " is larger than " +
                                                  std::to_string(request.max_response_bytes) + " bytes",
                                              false});
    }
    if (code != CURLE_OK) {
        const std::string reason = error_text[0] != '\0' ? error_text : curl_easy_strerror(code);
        return std::unexpected(TransportError{"cannot fetch " + encoding::address_for_display(request.url) + ": " + encoding::printable(reason), is_transient(code)});
    }
    curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &response.status);
    sink.buffer.resize(sink.used);
    response.body = std::move(sink.buffer);
    return response;
}

}  // namespace keyhold::sync
