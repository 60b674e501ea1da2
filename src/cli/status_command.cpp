#include <iostream>
#include <map>

#include "keyhold/clock.hpp"
#include "commands.hpp"
#include "rollback_protection.hpp"
#include "keyhold/encoding/display_text.hpp"
#include "keyhold/store/org_sources.hpp"
#include "keyhold/store/serving.hpp"
#include "keyhold/store/store.hpp"
#include "keyhold/store/sync_state.hpp"

namespace keyhold::cli {
namespace {

std::string_view kind_name(store::EntryKind kind) {
    switch (kind) {
        case store::EntryKind::registry:
            return "registry";
        case store::EntryKind::git:
            return "git";
        case store::EntryKind::build_secret:
            return "build secret";
        case store::EntryKind::source_token:
            return "org API token";
    }
    return "unknown";
}

// One line of the entry counts, in words a user can read without the store's format at hand:
// "2 registry credentials saved on this machine", "1 git credential from source acme".
std::string count_line(int count, store::EntryKind kind, std::string_view origin) {
    std::string line = std::to_string(count) + ' ' + std::string(kind_name(kind));
    if (kind == store::EntryKind::registry || kind == store::EntryKind::git) {
        line += " credential";
    }
    if (count != 1) {
        line += 's';
    }
    if (kind == store::EntryKind::source_token) {
        return line + " (what `keyhold sync` signs in with)";
    }
    if (origin == store::kUserOrigin) {
        return line + " saved on this machine (docker login, git, keyhold import)";
    }
    return line + " from source " + std::string(origin);
}

std::string when(std::optional<std::int64_t> seconds, std::int64_t now) {
    if (!seconds) {
        return "never";
    }
    return rfc3339_utc(*seconds) + " (" + std::to_string(now - *seconds) + " s ago)";
}

std::string count_of(int count, std::string_view noun) {
    return std::to_string(count) + ' ' + std::string(noun) + (count == 1 ? "" : "s");
}

// What the user sees of an entry's key: git keys hold their parts on lines of their own.
std::string_view shown(const store::Entry& entry) { return entry.kind == store::EntryKind::git ? entry.label : entry.key; }

void print_source(const store::SourceView& source, const std::vector<store::Entry>& entries,
                  const store::SyncState& state, const store::ServingPolicy& policy, std::int64_t now) {
    // Shown without user information or query: a source added before keyhold refused such URLs.
    std::cout << "source " << source.name << ": " << source.type << " " << encoding::address_for_display(source.url)
              << '\n';
    const auto found = state.find(source.name);
    const store::SourceSyncState remembered = found != state.end() ? found->second : store::SourceSyncState{};
    std::cout << "  last sync:   " << when(remembered.last_success, now) << '\n';
    if (!remembered.last_error.empty()) {
        std::cout << "  last error:  " << encoding::printable(remembered.last_error) << '\n';
    }
    std::map<store::EntryKind, int> counts;
    for (const store::Entry& entry : entries) {
        if (entry.origin == source.name) {
            ++counts[entry.kind];
        }
    }
    std::cout << "  holds:       " << count_of(counts[store::EntryKind::registry], "registry credential") << ", "
              << count_of(counts[store::EntryKind::git], "git credential") << ", "
              << count_of(counts[store::EntryKind::build_secret], "build secret") << '\n';
    if (source.max_age_seconds) {
        std::cout << "  max age:     " << *source.max_age_seconds << " s"
                  << (policy.source_is_stale(source.name) ? ": exceeded, its entries are not served until it syncs"
                                                          : "")
                  << '\n';
    }
    if (remembered.git_without_host) {
        std::cout << "  git:         its gitCredentials answer no git host (add --git-host; the PAT's prefix names "
                     "none), so none is served\n";
    }
    for (const store::Entry& org_entry : entries) {
        if (org_entry.origin != source.name) {
            continue;
        }
        for (const store::Entry& user_entry : entries) {
            if (!user_entry.from_user() || user_entry.kind != org_entry.kind || user_entry.key != org_entry.key) {
                continue;
            }
            if (store::tombstone_hides(user_entry, org_entry)) {
                std::cout << "  hidden here: " << shown(org_entry) << " (" << kind_name(org_entry.kind)
                          << "), erased on this machine until the org changes it\n";
            } else if (!store::is_tombstone(user_entry)) {
                std::cout << "  shadowed:    " << shown(org_entry) << " (" << kind_name(org_entry.kind)
                          << ") by your own entry\n";
            }
        }
    }
}

}  // namespace

Result<void> run_status(const Settings& settings) {
    auto location = store::locate_store(settings);
    if (!location) {
        return std::unexpected(location.error());
    }
    std::cout << "store:       " << location->store_file().string() << '\n';
    auto header = store::read_store_header(*location);
    if (!header) {
        return std::unexpected(header.error());
    }
    if (!*header) {
        return fail("there is no keyhold store in " + location->directory.string() +
                    " yet; create one with `keyhold init`");
    }
    std::cout << "store id:    " << store::to_hex((*header)->store_id) << '\n'
              << "protector:   " << (*header)->protector << '\n'
              << "generation:  " << (*header)->generation << '\n'
              << "rollback:    " << rollback_protection((*header)->protector).sentence << '\n';

    auto opened = store::open_store(*location);
    if (!opened) {
        return std::unexpected(opened.error());
    }
    const std::vector<store::Entry>& entries = (*opened)->entries;
    std::map<std::pair<store::EntryKind, std::string_view>, int> counts;
    for (const store::Entry& entry : entries) {
        if (!store::is_tombstone(entry)) {
            ++counts[{entry.kind, entry.origin}];
        }
    }
    std::cout << "entries:     " << entries.size() << '\n';
    for (const auto& [kind_and_origin, count] : counts) {
        std::cout << "  " << count_line(count, kind_and_origin.first, kind_and_origin.second) << '\n';
    }
    const auto sources = store::sources_in(entries);
    if (!sources.empty()) {
        auto state = store::read_sync_state(*location);
        if (!state) {
            return std::unexpected(state.error());
        }
        const std::int64_t now = unix_now();
        const store::ServingPolicy policy(*location, entries, now);
        for (const store::SourceView& source : sources) {
            print_source(source, entries, *state, policy, now);
        }
    }
    return {};
}

}  // namespace keyhold::cli
