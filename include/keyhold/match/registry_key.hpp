#pragma once
// Which stored entry answers a registry request (docs/architecture.md, "Matching"). Every docker verb goes through these two functions and nothing else.

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "keyhold/error.hpp"
#include "keyhold/store/entry.hpp"
#include "keyhold/store/serving.hpp"

namespace keyhold::match {

struct RegistryKey {
    std::string host;  // lowercase, with ":port" unless it is 443; Docker Hub's aliases folded to docker.io
    std::vector<std::string> path;  // whole segments, API suffix (/v1, /v2) dropped
    bool exact_only = false;        // Docker Hub's access-token and refresh-token keys

    // The normalized identity the store keys entries by: host[/segment...].
    std::string canonical() const;
};

// Normalizes what a client sent ("https://Index.Docker.io/v1/", "127.0.0.1:5000", "ghcr.io/team-a").
Result<RegistryKey> parse_registry_key(std::string_view server_url);

// Whether a registry entry's key answers `request`: same host and port, and its path a prefix of
// the request's on whole segments (Docker Hub's token keys: only themselves).
bool registry_entry_matches(const RegistryKey& request, std::string_view request_canonical,
                            const store::Entry& entry);

// The entry that answers `request`, among those `may_match` lets in: the longest matching path;
// between entries of the same key, the serving policy's store::outranks(). nullopt when none does.
template <class Predicate>
std::optional<std::size_t> find_registry_entry(const RegistryKey& request, std::span<const store::Entry> entries,
                                               Predicate may_match) {
    const std::string wanted = request.canonical();
    std::optional<std::size_t> best;
    for (std::size_t i = 0; i < entries.size(); ++i) {
        const store::Entry& entry = entries[i];
        if (!registry_entry_matches(request, wanted, entry) || !may_match(entry)) {
            continue;
        }
        // Two matching keys of the same length are the same key.
        const bool more_specific = !best || entry.key.size() > entries[*best].key.size();
        const bool same_key_outranking =
            best && entry.key.size() == entries[*best].key.size() && store::outranks(entry, entries[*best]);
        if (more_specific || same_key_outranking) {
            best = i;
        }
    }
    return best;
}

inline std::optional<std::size_t> find_registry_entry(const RegistryKey& request,
                                                      std::span<const store::Entry> entries) {
    return find_registry_entry(request, entries, [](const store::Entry&) { return true; });
}

}  // namespace keyhold::match
