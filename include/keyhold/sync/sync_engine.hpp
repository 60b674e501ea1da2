#pragma once
// `keyhold sync`: for each source, fetch what the org has now and make the store hold exactly
// that, in one transaction (docs/org-sync.md).

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "keyhold/error.hpp"
#include "keyhold/store/store.hpp"

namespace keyhold::sync {

// When a source's sync must be over, retries and waits included.
using Deadline = std::chrono::steady_clock::time_point;

struct SyncSettings {
    std::chrono::milliseconds connect_timeout{10'000};
    std::chrono::milliseconds request_timeout{30'000};  // one request
    // --timeout: everything one source's sync may take, retries and waits included. A deadline
    // rather than a per-request bound, so that a Retry-After or a slow server cannot stretch it.
    std::chrono::milliseconds source_deadline{120'000};
    int max_attempts = 4;                              // for 5xx, 429 and dropped connections
    std::chrono::milliseconds first_backoff{500};
    std::chrono::seconds longest_wait{60};             // a Retry-After beyond this is cut to it
    std::optional<std::chrono::seconds> if_older_than; // skip sources synced more recently
};

struct SourceReport {
    std::string name;
    bool ok = false;
    std::string summary;  // one line, never a secret
};

// Syncs the source called `only`, or every source. Fails only when the store cannot be used;
// each source's own failure is in its report.
Result<std::vector<SourceReport>> sync_sources(const store::StoreLocation& location,
                                               std::optional<std::string_view> only, const SyncSettings& settings);

// Which git hosts an org's gitCredentials answer for: the source's --git-host list, else the
// host the PAT's prefix names (ghp_/github_pat_: github.com, glpat-: gitlab.com), else none.
std::vector<std::string> git_hosts_for(const std::vector<std::string_view>& configured, std::string_view token);

}  // namespace keyhold::sync
