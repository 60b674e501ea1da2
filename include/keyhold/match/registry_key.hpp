#pragma once
// Which stored entry answers a registry request (DESIGN.md "Matching a server URL to an
// entry"). Every docker verb goes through these two functions and nothing else.

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "keyhold/error.hpp"
#include "keyhold/store/entry.hpp"

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

// The entry that answers `request`: same host and port, the longest path that is a prefix of
// the request on whole segments, a user's entry before an org's. nullopt when none does.
std::optional<std::size_t> find_registry_entry(const RegistryKey& request,
                                               std::span<const store::Entry> entries);

}  // namespace keyhold::match
