#include "keyhold/match/git_key.hpp"

#include <algorithm>
#include <array>

#include "keyhold/store/org_sources.hpp"

namespace keyhold::match {
namespace {

std::string lowercase(std::string_view text) {
    std::string result(text);
    std::transform(result.begin(), result.end(), result.begin(),
                   [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; });
    return result;
}

bool equal_ignoring_case(std::string_view a, std::string_view b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
        return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
    });
}

}  // namespace

std::string git_entry_key(std::string_view protocol, std::string_view host, std::string_view path,
                          std::string_view username) {
    std::string key = lowercase(protocol);
    key.append("\n").append(lowercase(host)).append("\n").append(path).append("\n").append(username);
    return key;
}

std::string git_entry_label(std::string_view protocol, std::string_view host, std::string_view path,
                            std::string_view username) {
    std::string label(protocol);
    label += "://";
    if (!username.empty()) {
        label.append(username).append("@");
    }
    label += host;
    if (!path.empty()) {
        label.append("/").append(path);
    }
    return label;
}

GitEntryParts git_entry_parts(std::string_view key) {
    std::array<std::string_view, 4> parts{};
    for (std::size_t i = 0; i < parts.size(); ++i) {
        const auto end = i + 1 < parts.size() ? key.find('\n') : std::string_view::npos;
        parts[i] = key.substr(0, end);
        key = end == std::string_view::npos ? std::string_view() : key.substr(end + 1);
    }
    return {parts[0], parts[1], parts[2], parts[3]};
}

bool git_entry_matches(const GitTarget& pattern, const store::Entry& entry) {
    if (entry.kind != store::EntryKind::git || pattern.protocol.empty() || pattern.host.empty()) {
        return false;
    }
    const GitEntryParts stored = git_entry_parts(entry.key);
    // An org's credential is for its whole git host (any repository path), and so is a
    // tombstone that hides one.
    const bool host_wide = stored.path.empty() && (!entry.from_user() || store::is_tombstone(entry));
    // Exact protocol: an https credential is never handed to http.
    return equal_ignoring_case(pattern.protocol, stored.protocol) && equal_ignoring_case(pattern.host, stored.host) &&
           (!pattern.path || *pattern.path == stored.path || host_wide) &&
           (!pattern.username || *pattern.username == stored.username);
}

}  // namespace keyhold::match
