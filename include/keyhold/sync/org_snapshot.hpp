#pragma once
// What an org's API says it has now: the credentials one sync of one source installs.

#include <optional>
#include <string_view>
#include <vector>

#include "keyhold/crypto/secret.hpp"
#include "keyhold/crypto/secure_arena.hpp"

namespace keyhold::sync {

struct OrgRegistryCredential {
    std::string_view server_url;  // as the org spelled it
    std::string_view username;
    crypto::SecretView secret;
};

struct OrgGitCredential {
    std::string_view username;
    crypto::SecretView password;
};

struct OrgBuildSecret {
    std::string_view name;
    crypto::SecretView value;
};

struct OrgSnapshot {
    crypto::SecureArena storage;  // everything below views into it
    std::vector<OrgRegistryCredential> registries;
    std::optional<OrgGitCredential> git;
    std::vector<OrgBuildSecret> build_secrets;
};

}  // namespace keyhold::sync
