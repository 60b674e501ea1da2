#pragma once
// Which stored git credential answers a request from git (DESIGN.md "Git mode", and git's
// own credential_match): the protocol is part of the identity, the host (with its port) must
// be the same, and a path or username in the request must be the entry's.

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "keyhold/store/entry.hpp"

namespace keyhold::match {

struct GitTarget {
    std::string_view protocol;
    std::string_view host;
    std::optional<std::string_view> path;      // sent only with credential.useHttpPath
    std::optional<std::string_view> username;  // when git already has one
};

// The store key of a git credential: protocol, lowercase host, path and username, each on a
// line of its own (none of them can hold a newline: the parser refuses those).
std::string git_entry_key(std::string_view protocol, std::string_view host, std::string_view path,
                          std::string_view username);

// What a user reads for it: protocol://[username@]host[/path].
std::string git_entry_label(std::string_view protocol, std::string_view host, std::string_view path,
                            std::string_view username);

struct GitEntryParts {
    std::string_view protocol;
    std::string_view host;
    std::string_view path;
    std::string_view username;
};
GitEntryParts git_entry_parts(std::string_view key);

// Whether `entry` (of kind git) falls under `pattern`. A request without a protocol or a host
// matches nothing (CVE-2020-11008); an absent path or username matches any.
bool git_entry_matches(const GitTarget& pattern, const store::Entry& entry);

// The entry `get` answers with, among those that match and pass `servable`: a path-less entry
// before one with a path, a user's before an org's, else the first stored.
template <class Servable>
std::optional<std::size_t> find_git_entry(const GitTarget& request, std::span<const store::Entry> entries,
                                          Servable servable) {
    std::optional<std::size_t> best;
    const auto rank = [&](const store::Entry& entry) {
        return (git_entry_parts(entry.key).path.empty() ? 0 : 2) + (entry.from_user() ? 0 : 1);
    };
    for (std::size_t i = 0; i < entries.size(); ++i) {
        if (entries[i].kind == store::EntryKind::git && git_entry_matches(request, entries[i]) &&
            servable(entries[i]) && (!best || rank(entries[i]) < rank(entries[*best]))) {
            best = i;
        }
    }
    return best;
}

}  // namespace keyhold::match
