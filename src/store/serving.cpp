#include "keyhold/store/serving.hpp"

#include "keyhold/store/org_sources.hpp"
#include "keyhold/store/sync_state.hpp"

namespace keyhold::store {

ServingRules::ServingRules(const StoreLocation& location, std::span<const Entry> entries, std::int64_t now) {
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

bool ServingRules::may_match(const Entry& entry) const {
    return entry.from_user() || !stale_sources_.contains(entry.origin);
}

bool ServingRules::answers(const Entry& entry) { return !is_tombstone(entry); }

}  // namespace keyhold::store
