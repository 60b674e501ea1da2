#include "keyhold/store/org_sources.hpp"

#include <sodium.h>

#include <algorithm>
#include <charconv>
#include <set>
#include <tuple>

#include "keyhold/encoding/hex.hpp"

namespace keyhold::store {
namespace {

std::string_view field(const Entry& entry, std::string_view name) {
    const auto found = std::find_if(entry.extras.begin(), entry.extras.end(),
                                    [&](const ExtraField& extra) { return extra.name == name; });
    return found == entry.extras.end() ? std::string_view() : found->value.expose();
}

}  // namespace

std::optional<SourceView> source_of(const Entry& entry) {
    if (entry.kind != EntryKind::source_token) {
        return std::nullopt;
    }
    SourceView source;
    source.name = entry.key;
    source.type = entry.username;
    source.token = entry.secret;
    source.url = field(entry, kSourceUrl);
    source.ca_file = field(entry, kSourceCaFile);
    source.etag = field(entry, kSourceEtag);
    for (const ExtraField& extra : entry.extras) {
        if (extra.name == kSourceGitHost) {
            source.git_hosts.push_back(extra.value.expose());
        }
    }
    const std::string_view max_age = field(entry, kSourceMaxAge);
    std::int64_t seconds = 0;
    if (!max_age.empty() && std::from_chars(max_age.data(), max_age.data() + max_age.size(), seconds).ec == std::errc()) {
        source.max_age_seconds = seconds;
    }
    return source;
}

std::vector<SourceView> sources_in(std::span<const Entry> entries) {
    std::vector<SourceView> sources;
    for (const Entry& entry : entries) {
        if (auto source = source_of(entry)) {
            sources.push_back(std::move(*source));
        }
    }
    return sources;
}

bool is_tombstone(const Entry& entry) { return entry.from_user() && !field(entry, kHidesFingerprint).empty(); }

std::string credential_fingerprint(const Entry& entry) {
    crypto_generichash_state state;
    crypto_generichash_init(&state, nullptr, 0, 16);
    const std::string_view username = entry.username;
    const std::string_view secret = entry.secret.expose();
    const unsigned char separator = 0;
    crypto_generichash_update(&state, reinterpret_cast<const unsigned char*>(username.data()), username.size());
    crypto_generichash_update(&state, &separator, 1);
    crypto_generichash_update(&state, reinterpret_cast<const unsigned char*>(secret.data()), secret.size());
    std::array<unsigned char, 16> digest{};
    crypto_generichash_final(&state, digest.data(), digest.size());
    return encoding::to_hex(digest);
}

bool tombstone_hides(const Entry& tombstone, const Entry& org_entry) {
    return is_tombstone(tombstone) && !org_entry.from_user() && tombstone.kind == org_entry.kind &&
           tombstone.key == org_entry.key && field(tombstone, kHidesFingerprint) == credential_fingerprint(org_entry);
}

void remove_orphan_tombstones(Transaction& transaction) {
    std::set<std::tuple<EntryKind, std::string_view, std::string>> org_credentials;
    for (const Entry& entry : transaction.entries()) {
        if (!entry.from_user() && entry.kind != EntryKind::source_token) {
            org_credentials.emplace(entry.kind, entry.key, credential_fingerprint(entry));
        }
    }
    transaction.remove_if([&](const Entry& entry) {
        return is_tombstone(entry) &&
               !org_credentials.contains({entry.kind, entry.key, std::string(field(entry, kHidesFingerprint))});
    });
}

}  // namespace keyhold::store
