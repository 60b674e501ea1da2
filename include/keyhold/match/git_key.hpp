#pragma once
// Which stored git credential answers a request from git (docs/git-helper.md, and git's
// own credential_match): the protocol is part of the identity, the host (with its port) must
// be the same, and a path or username in the request must be the entry's.

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "keyhold/store/entry.hpp"
#include "keyhold/store/serving.hpp"

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
// before one with a path; between two of either, the serving policy's store::outranks().
template <class Servable>
std::optional<std::size_t> find_git_entry(const GitTarget& request, std::span<const store::Entry> entries,
                                          Servable servable) {
    std::optional<std::size_t> best;
    const auto path_less = [](const store::Entry& entry) { return git_entry_parts(entry.key).path.empty(); };
    const auto better = [&](const store::Entry& candidate, const store::Entry& chosen) {
        if (path_less(candidate) != path_less(chosen)) {
            return path_less(candidate);
        }
        return store::outranks(candidate, chosen);
    };
    for (std::size_t i = 0; i < entries.size(); ++i) {
        if (entries[i].kind == store::EntryKind::git && git_entry_matches(request, entries[i]) &&
            servable(entries[i]) && (!best || better(entries[i], entries[*best]))) {
            best = i;
        }
    }
    return best;
}

}  // namespace keyhold::match
