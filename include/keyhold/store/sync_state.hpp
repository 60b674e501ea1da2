#pragma once
// What `keyhold sync` remembers of each source between runs, outside the encrypted store so
// that an unchanged org (a 304) rewrites nothing there: times, counts, the last error. No
// secret, no token. KEYHOLD_HOME/sync-state.json, 0600, replaced atomically.

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "keyhold/error.hpp"
#include "keyhold/store/store.hpp"

namespace keyhold::store {

struct SourceSyncState {
    std::optional<std::int64_t> last_attempt;  // unix seconds
    std::optional<std::int64_t> last_success;
    std::string last_error;  // empty after a success
    int registry_entries = 0;
    int git_entries = 0;
    int build_secrets = 0;
    bool git_without_host = false;  // the org sent gitCredentials that answer no git host
};

using SyncState = std::map<std::string, SourceSyncState, std::less<>>;

std::filesystem::path sync_state_file(const StoreLocation& location);

// An absent file is an empty state; a damaged one is an error.
Result<SyncState> read_sync_state(const StoreLocation& location);
Result<void> write_sync_state(const StoreLocation& location, const SyncState& state);

}  // namespace keyhold::store
