// The store keys of git credentials (match/git_key.hpp): protocol, host, path and username on
// lines of their own, and git's credential_match rules over them.
//
// The input is up to five NUL-separated fields: protocol, host, path, username, and an
// optional second host (a request for another host). Fields may hold newlines, which the
// parser refuses but these functions must still survive.

#include <algorithm>
#include <array>
#include <string>

#include "fuzz_support.hpp"
#include "keyhold/match/git_key.hpp"

namespace {

using namespace keyhold;
using fuzz::require;

std::string lowercase(std::string_view text) {
    std::string result(text);
    std::transform(result.begin(), result.end(), result.begin(),
                   [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; });
    return result;
}

bool has_newline(std::string_view text) { return text.find('\n') != std::string_view::npos; }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
    std::string_view input = fuzz::as_text(data, size);
    std::array<std::string_view, 5> fields{};
    for (std::string_view& field : fields) {
        const auto end = input.find('\0');
        field = input.substr(0, end);
        input = end == std::string_view::npos ? std::string_view() : input.substr(end + 1);
    }
    const auto [protocol, host, path, username, other_host] = fields;

    const std::string key = match::git_entry_key(protocol, host, path, username);
    (void)match::git_entry_label(protocol, host, path, username);
    const match::GitEntryParts parts = match::git_entry_parts(key);
    store::Entry entry;
    entry.kind = store::EntryKind::git;
    entry.key = key;

    if (has_newline(protocol) || has_newline(host) || has_newline(path) || has_newline(username)) {
        // Not a key the parser lets through; only memory safety is asked of what follows.
        (void)match::git_entry_matches({protocol, host, path, username}, entry);
        return 0;
    }
    // The key splits back into the parts it was made of (protocol and host lowercased).
    require(parts.protocol == lowercase(protocol) && parts.host == lowercase(host));
    require(parts.path == path && parts.username == username);

    // A user's credential answers git's request for exactly it, whatever the letter case of
    // protocol and host; a request without a protocol or host matches nothing (CVE-2020-11008).
    const bool complete = !protocol.empty() && !host.empty();
    require(match::git_entry_matches({protocol, host, path, username}, entry) == complete);
    require(match::git_entry_matches({protocol, host, std::nullopt, std::nullopt}, entry) == complete);
    require(match::git_entry_matches({protocol, lowercase(host), path, username}, entry) == complete);
    // Never for another host.
    if (!has_newline(other_host) && lowercase(other_host) != lowercase(host)) {
        require(!match::git_entry_matches({protocol, other_host, path, username}, entry));
    }
    return 0;
}
