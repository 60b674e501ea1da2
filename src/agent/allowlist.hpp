#pragma once
// What `keyhold agent --allow HOST[:PORT][/PATH]` lets through (docs/agent.md, "Allowlist"). The
// comparisons are match/'s own, so that the agent cannot drift from what the store answers:
//   - a registry request is allowed when an entry would match it as a stored key would
//     (match::registry_entry_matches: same canonical host and port, the entry's path a prefix of
//     the request's on whole segments, never a suffix or a substring);
//   - a git request is allowed when it is https, its host (with its port) is the entry's
//     (match::git_entry_matches), and, when the entry has a path, git sent a path under it on
//     whole segments (credential.useHttpPath).

#include <span>
#include <string>
#include <vector>

#include "keyhold/error.hpp"
#include "keyhold/match/git_key.hpp"
#include "keyhold/match/registry_key.hpp"
#include "keyhold/store/entry.hpp"

namespace keyhold::agent {

class Allowlist {
public:
    // At least one entry; each HOST[:PORT][/PATH] without a scheme, user information, query or
    // whitespace.
    static Result<Allowlist> parse(std::span<const std::string> entries);

    bool allows_registry(const match::RegistryKey& request) const;
    bool allows_git(const match::GitTarget& request) const;
    // Whether docker's `list` through the agent shows this registry entry: its key is allowed.
    bool lists(const store::Entry& registry_entry) const;

    std::size_t size() const { return allowed_.size(); }

private:
    struct Allowed {
        std::string registry_key;  // canonical, as a stored registry entry's key
        std::string git_key;       // https, the host, no path, no username: a host-wide git key
        std::string git_path;      // without '/' at either end; empty for the whole host
    };
    std::vector<Allowed> allowed_;
};

}  // namespace keyhold::agent
