#pragma once
// git's credential-helper wire format (git-credential(1) "INPUT/OUTPUT FORMAT", git 2.39–2.47):
// `key=value` lines ending at a blank line or EOF.

#include <cstdint>
#include <optional>
#include <string_view>

#include "keyhold/crypto/secret.hpp"
#include "keyhold/crypto/secure_arena.hpp"
#include "keyhold/crypto/secure_buffer.hpp"
#include "keyhold/error.hpp"

namespace keyhold::protocol {

// git's own limit on one attribute line (credential.c, git 2.46).
inline constexpr std::size_t kMaxGitLineBytes = 65535;
inline constexpr std::size_t kMaxGitRequestBytes = std::size_t{1} << 20;

struct GitRequest {
    std::optional<std::string_view> protocol;
    std::optional<std::string_view> host;  // with ":port" when there is one
    std::optional<std::string_view> path;
    std::optional<std::string_view> username;
    std::optional<crypto::SecretView> password;
    std::optional<std::int64_t> password_expiry_utc;
    std::optional<crypto::SecretView> oauth_refresh_token;
    std::optional<std::string_view> authtype;     // with `credential`: a pre-encoded Authorization
    std::optional<crypto::SecretView> credential;
    bool ephemeral = false;            // not to be stored
    bool capability_authtype = false;  // git announced `capability[]=authtype`
    // wwwauth[], state[], continue and unknown attributes are accepted and ignored.
};

// Parses a request; a url= attribute is expanded into its parts as git does. Values are views
// into `storage`. Refuses what git's credential CVEs exploit (CVE-2020-5260, CVE-2020-11008,
// CVE-2024-52006): a NUL, a CR inside a value, or a newline smuggled in through url=
// percent-encoding, and a line without '='.
Result<GitRequest> parse_git_request(std::string_view input, crypto::SecureArena& storage);

struct GitAnswer {
    std::string_view username;
    crypto::SecretView password;
    std::optional<std::int64_t> password_expiry_utc;
    crypto::SecretView oauth_refresh_token;
    std::string_view authtype;
    crypto::SecretView credential;
};

// The lines `get` prints: capability[]=authtype and authtype/credential only when git announced
// the capability; username and password when there is a password; nothing else.
crypto::SecureBuffer format_git_answer(const GitAnswer& answer, bool capability_authtype);

}  // namespace keyhold::protocol
