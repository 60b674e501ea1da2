#pragma once
// The docker protocol's JSON bodies: the `store` request in, `get` and `list` answers out.

#include <span>
#include <string>
#include <string_view>

#include "keyhold/crypto/secret.hpp"
#include "keyhold/crypto/secure_buffer.hpp"
#include "keyhold/error.hpp"

namespace keyhold::protocol {

struct DockerCredentials {
    std::string_view server_url;
    std::string_view username;
    crypto::SecretView secret;
};

// Parses `{"ServerURL": …, "Username": …, "Secret": …}`. Field names match case-insensitively
// and unknown fields are ignored, as Go's encoding/json does for the reference helpers. The
// values are copied into `storage`, which the returned views point into.
// The server URL of a `get` or `erase` request: docker sends it bare, ending in a newline;
// whitespace around it is not part of it.
std::string_view server_url_of_request(std::string_view body);

Result<DockerCredentials> parse_store_request(std::string_view json, crypto::SecureBuffer& storage);

// One line: the JSON object `get` answers, then '\n'. Secure memory, for it holds the secret.
crypto::SecureBuffer format_get_response(const DockerCredentials& credentials);

struct ListedAccount {
    std::string_view server_url;
    std::string_view username;
};

// One line: server URL → username in the order given, then '\n'. Not sorted: list must stay
// linear in the size of the store (clients read it as a JSON object).
std::string format_list_response(std::span<const ListedAccount> accounts);

}  // namespace keyhold::protocol
