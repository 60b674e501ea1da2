#pragma once
// Org sources as the store keeps them (one source_token entry each), and the rules that decide
// which org entries are served: a source's maximum staleness, and entries a user hid locally.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "keyhold/crypto/secret.hpp"
#include "keyhold/store/entry.hpp"
#include "keyhold/store/store.hpp"

namespace keyhold::store {

// The source_token entry of a source: key = name, username = type, secret = API token, and
// these extra fields.
inline constexpr std::string_view kSourceUrl = "url";
inline constexpr std::string_view kSourceCaFile = "ca_file";
inline constexpr std::string_view kSourceGitHost = "git_host";  // may repeat
inline constexpr std::string_view kSourceMaxAge = "max_age";    // seconds
inline constexpr std::string_view kSourceEtag = "etag";

struct SourceView {
    std::string_view name;
    std::string_view type;  // a name in the source type table, keyhold/sync/source_types.hpp
    std::string_view url;
    std::string_view ca_file;
    std::vector<std::string_view> git_hosts;
    std::optional<std::int64_t> max_age_seconds;
    std::string_view etag;
    crypto::SecretView token;
};

// nullopt when `entry` is not a source_token entry.
std::optional<SourceView> source_of(const Entry& entry);
std::vector<SourceView> sources_in(std::span<const Entry> entries);

// A tombstone is a user entry that hides one org entry of the same kind and key on this
// machine until the org changes that credential (docs/org-sync.md, "Erasing an org entry").
inline constexpr std::string_view kHidesFingerprint = "hides";
bool is_tombstone(const Entry& entry);
// BLAKE2b of the username and secret, hex: identifies a credential without holding it.
std::string credential_fingerprint(const Entry& entry);
bool tombstone_hides(const Entry& tombstone, const Entry& org_entry);

// Removes the tombstones whose org credential is gone or changed: the org's change shows again.
void remove_orphan_tombstones(Transaction& transaction);

}  // namespace keyhold::store
