#pragma once
// One credential as the store holds it. Every field is a view: into the decrypted store, or
// into a request's secure buffer, which outlive the entry (see store/transaction.hpp).

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "keyhold/crypto/secret.hpp"

namespace keyhold::store {

enum class EntryKind : std::uint8_t {
    registry = 1,      // docker, buildah, podman, skopeo
    git = 2,           // git's credential protocol
    build_secret = 3,  // never served to docker or git
    source_token = 4,  // an org source's API token
};

inline constexpr std::string_view kUserOrigin = "user";

struct ExtraField {
    std::string_view name;
    crypto::SecretView value;
};

struct Entry {
    EntryKind kind = EntryKind::registry;
    std::string_view key;       // normalized identity: what matching compares
    std::string_view label;     // the spelling it was stored under (what `list` shows)
    std::string_view username;
    crypto::SecretView secret;
    std::string_view origin = kUserOrigin;  // "user", or the name of the org source
    std::int64_t created_at = 0;            // unix seconds
    std::int64_t updated_at = 0;
    std::optional<std::int64_t> expires_at;
    std::vector<ExtraField> extras;  // e.g. git's oauth_refresh_token

    bool from_user() const { return origin == kUserOrigin; }
};

// Same credential content (what a client would be answered); timestamps aside.
bool same_content(const Entry& a, const Entry& b);

}  // namespace keyhold::store
