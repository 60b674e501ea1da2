#pragma once
// The one interface every source type's fetch keeps (keyhold/sync/source_types.hpp's
// FetchFunction), and what they share to keep it: sync_engine.cpp knows no API of its own.

#include <string>
#include <string_view>

#include "fetch.hpp"
#include "keyhold/store/org_sources.hpp"
#include "keyhold/sync/org_snapshot.hpp"
#include "keyhold/sync/source_types.hpp"

namespace keyhold::sync {

enum class Outcome { fresh, unchanged, revoked, failed };

struct Fetched {
    Outcome outcome = Outcome::failed;
    OrgSnapshot snapshot;  // with fresh: everything the org holds now
    std::string etag;      // with fresh: the answer's, for the next If-None-Match
    std::string message;   // with revoked and failed: why, one line, never a secret
};

Fetched failed(std::string message);

// A request to `path` under the source's URL, with its token, CA and the settings' timeouts.
HttpRequest request_for(const store::SourceView& source, std::string_view path, const SyncSettings& settings);

// An HTTP answer that is not a success: 401/403 mean this machine's token no longer counts.
Fetched refused(const HttpResponse& response, const store::SourceView& source);

// The source types' fetches, each in a file of its own; source_types.cpp lists them.
Fetched fetch_ignite(const store::SourceView& source, const SyncSettings& settings, Deadline deadline);
Fetched fetch_gitpod(const store::SourceView& source, const SyncSettings& settings, Deadline deadline);

}  // namespace keyhold::sync
