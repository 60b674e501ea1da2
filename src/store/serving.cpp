#include "keyhold/store/serving.hpp"

#include <unordered_map>

#include "keyhold/store/org_sources.hpp"
#include "keyhold/store/sync_state.hpp"

namespace keyhold::store {

ServingPolicy::ServingPolicy(const StoreLocation& location, std::span<const Entry> entries, std::int64_t now)
    : entries_(entries) {
    std::optional<SyncState> state;
    for (const Entry& entry : entries) {
        const auto source = source_of(entry);
        if (!source || !source->max_age_seconds) {
            continue;
        }
        if (!state) {
            // An unreadable state file proves no recent sync: every max-age source counts as stale.
            state = read_sync_state(location).value_or(SyncState{});
        }
        const auto found = state->find(source->name);
        const bool fresh = found != state->end() && found->second.last_success &&
                           now - *found->second.last_success <= *source->max_age_seconds;
        if (!fresh) {
            stale_sources_.emplace(source->name);
        }
    }
}

bool ServingPolicy::may_match(const Entry& entry) const {
    return entry.from_user() || !stale_sources_.contains(entry.origin);
}

const Entry* ServingPolicy::answer(std::optional<std::size_t> found) const {
    if (!found || is_tombstone(entries_[*found])) {
        return nullptr;
    }
    return &entries_[*found];
}

std::vector<const Entry*> ServingPolicy::served(EntryKind kind) const {
    std::unordered_map<std::string_view, std::size_t> position;  // key → index in picks
    std::vector<const Entry*> picks;
    for (const Entry& entry : entries_) {
        if (entry.kind != kind || !may_match(entry)) {
            continue;
        }
        const auto [slot, added] = position.try_emplace(entry.key, picks.size());
        if (added) {
            picks.push_back(&entry);
        } else if (outranks(entry, *picks[slot->second])) {
            picks[slot->second] = &entry;
        }
    }
    // Only now: a tombstone must first have won its key, or the org entry it hides would show.
    std::erase_if(picks, [](const Entry* entry) { return is_tombstone(*entry); });
    return picks;
}

}  // namespace keyhold::store
