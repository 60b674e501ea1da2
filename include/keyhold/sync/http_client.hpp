#pragma once
// HTTPS to an org's API with libcurl over OpenSSL: peer and host name always verified,
// TLS 1.2 or newer, no redirects, bounded time and size. Plain http only to loopback.

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "keyhold/crypto/secret.hpp"
#include "keyhold/crypto/secure_buffer.hpp"
#include "keyhold/error.hpp"

namespace keyhold::sync {

struct HttpRequest {
    std::string method = "GET";
    std::string url;
    crypto::SecretView bearer_token;    // sent as `Authorization: Bearer …`
    std::vector<std::string> headers;   // never a secret
    std::string body;                   // never a secret
    std::optional<std::filesystem::path> ca_file;  // a private CA instead of the system's
    std::chrono::milliseconds connect_timeout{10'000};
    std::chrono::milliseconds total_timeout{30'000};
    std::size_t max_response_bytes = std::size_t{8} << 20;
};

struct HttpResponse {
    long status = 0;
    std::string etag;
    std::optional<std::chrono::seconds> retry_after;
    std::string location;  // of a redirect, which is reported, never followed
    crypto::SecureBuffer body;  // secure memory: org answers carry credentials
};

// What went wrong below HTTP: a transient failure (connect, timeout) may be retried; a
// refused policy or certificate is final.
struct TransportError {
    std::string message;
    bool transient = false;
};

// Any HTTP status is a response; only failures to get one are errors.
std::expected<HttpResponse, TransportError> perform(const HttpRequest& request);

// One header line of a response, as libcurl hands it over (with its CRLF): records ETag,
// Location and Retry-After, ignores the rest. Public for the fuzz target (tests/fuzz), since
// the server that sends these lines is not ours.
void read_response_header(std::string_view line, HttpResponse& response);

// Whether `token` can travel in `Authorization: Bearer …` as it is: printable ASCII, no space
// (RFC 6750's b64token is narrower still). A CR or LF would end the header and start another.
bool is_bearer_token(std::string_view token);

// https://…, or http://… to a loopback address; nothing else.
Result<void> check_url_allowed(std::string_view url);

}  // namespace keyhold::sync
