// Server URL matching (match/registry_key.hpp): which stored registry entry answers a client.
//
// The input is two server URLs, split in two halves: the first is what a client stored, the
// second what a client asks for. Each half also asks for itself, which must always succeed.

#include <string>

#include "fuzz_support.hpp"
#include "keyhold/match/registry_key.hpp"

namespace {

using namespace keyhold;
using fuzz::require;

store::Entry entry_stored_under(const std::string& canonical, std::string_view label) {
    store::Entry entry;
    entry.kind = store::EntryKind::registry;
    entry.key = canonical;
    entry.label = label;
    return entry;
}

// What `store` then `get` with the same URL do: the entry stored must answer.
void check_on_its_own(std::string_view server_url) {
    const auto key = match::parse_registry_key(server_url);
    if (!key) {
        return;
    }
    const std::string canonical = key->canonical();
    require(!key->host.empty() && canonical.starts_with(key->host));
    require(match::registry_entry_matches(*key, canonical, entry_stored_under(canonical, server_url)));
    // The canonical spelling names the same registry, and re-parses to itself: what
    // `keyhold sync` stores for an org's URL is what a client's request normalizes to.
    const auto reparsed = match::parse_registry_key(canonical);
    require(reparsed.has_value() && reparsed->host == key->host);
    // Known exception, reported rather than changed (it is a matching rule): only the last
    // API version segment is dropped, so "host/v1/v2" keys as "host/v1", which re-parses to
    // "host". Nothing re-parses a stored key today; the check covers every other canonical.
    const bool ends_in_api_version = !key->path.empty() && (key->path.back() == "v1" || key->path.back() == "v2");
    require(reparsed->canonical() == canonical || ends_in_api_version);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
    const std::string_view input = fuzz::as_text(data, size);
    const std::string_view stored_url = input.substr(0, size / 2);
    const std::string_view requested_url = input.substr(size / 2);
    check_on_its_own(stored_url);
    check_on_its_own(requested_url);

    const auto stored = match::parse_registry_key(stored_url);
    const auto requested = match::parse_registry_key(requested_url);
    if (!stored || !requested) {
        return 0;
    }
    const std::string stored_canonical = stored->canonical();
    const std::string requested_canonical = requested->canonical();
    const bool matches =
        match::registry_entry_matches(*requested, requested_canonical, entry_stored_under(stored_canonical, stored_url));
    // Never across hosts (or ports), and never when the stored path is not a prefix of the
    // requested one on whole segments.
    if (matches) {
        require(stored->host == requested->host);
        require(stored->path.size() <= requested->path.size());
        for (std::size_t i = 0; i < stored->path.size(); ++i) {
            require(stored->path[i] == requested->path[i]);
        }
    }
    // Docker Hub's token keys answer only themselves, and the Hub entry never answers them.
    if (matches && (stored->exact_only || requested->exact_only)) {
        require(stored_canonical == requested_canonical);
    }
    // The same registry key, spelled two ways, always matches.
    if (stored_canonical == requested_canonical) {
        require(matches);
    }
    return 0;
}
