#pragma once
// The two org APIs keyhold pulls from, as wire formats: requests to make and answers to check.

#include <memory>
#include <string>
#include <string_view>

#include "keyhold/error.hpp"
#include "keyhold/sync/org_snapshot.hpp"

namespace keyhold::sync {

// Most an org answer may hold; more is refused before anything is stored.
inline constexpr std::size_t kMaxOrgEntries = 100'000;

// ignite (seeds/000): GET BASE/v1/ignite/builds/secrets answers what PUT saved, in pbjson's
// camelCase: registryCredentials (URL → base64 of user:token), gitCredentials (username,
// password), buildSecrets (name → value). Anything malformed refuses the whole answer.
inline constexpr std::string_view kIgniteSecretsPath = "/v1/ignite/builds/secrets";
Result<void> parse_ignite_secrets(std::string_view json, OrgSnapshot& snapshot);

// gitpod (seeds/001): Connect-style POSTs to SecretService.
inline constexpr std::string_view kGitpodListPath = "/gitpod.v1.SecretService/ListSecrets";
inline constexpr std::string_view kGitpodValuePath = "/gitpod.v1.SecretService/GetSecretValue";
inline constexpr int kGitpodPageSize = 100;

struct GitpodRegistrySecret {
    std::string id;
    std::string registry_host;  // containerRegistryBasicAuthHost
};
struct GitpodPage {
    std::vector<GitpodRegistrySecret> registry_secrets;  // only those with a registry host
    std::string next_token;
};
std::string gitpod_list_request(std::string_view page_token);
Result<GitpodPage> parse_gitpod_list(std::string_view json);
std::string gitpod_value_request(std::string_view secret_id);
// GetSecretValue's {"value": "username:password"} into the snapshot as a registry credential.
Result<void> parse_gitpod_value(std::string_view json, std::string_view registry_host, OrgSnapshot& snapshot);

// The message of an error answer, in the gRPC-gateway form ({"code": 16, "message": …}) or the
// Connect form ({"code": "unauthenticated", "message": …}); printable, one line, bounded, and
// with `token` blanked should the server echo it.
std::string org_error_message(std::string_view body, std::string_view token);

}  // namespace keyhold::sync
