#pragma once
// What keyhold serves, beyond matching a request: the one place that decides it, so that docker,
// git and build secrets cannot drift apart (docs/org-sync.md, "Precedence" and "Erasing an org
// entry").
//   - An org entry whose source has not synced within its --max-age is not served.
//   - Of two entries that match equally well, a user's (or a user's tombstone) comes before an
//     org's: what a user stored or erased on this machine is theirs to decide.
//   - A tombstone (a user's local "not this one") answers nothing; it wins like a user entry,
//     so the org entry it hides is not served either.
// How well an entry matches a request (longest registry path, a git host-wide entry before a
// per-path one) is match/'s; those matchers break their ties with outranks().

#include <cstdint>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "keyhold/store/entry.hpp"
#include "keyhold/store/store.hpp"

namespace keyhold::store {

// Whether `candidate` comes before `chosen` when both answer a request equally well: a user's
// entry before an org's, else the one stored first stays.
inline bool outranks(const Entry& candidate, const Entry& chosen) {
    return candidate.from_user() && !chosen.from_user();
}

// One per request or command: it holds a view of `entries`, which must outlive it.
class ServingPolicy {
public:
    // Reads the sync state only when some source has a maximum age.
    ServingPolicy(const StoreLocation& location, std::span<const Entry> entries, std::int64_t now);

    // Whether `entry` takes part in matching: a tombstone does (it must win over the org entry
    // it hides); an org entry of a stale source does not.
    bool may_match(const Entry& entry) const;

    // The entry at `found` (what matching picked among this policy's entries) as an answer:
    // nullptr when nothing matched or a tombstone did.
    const Entry* answer(std::optional<std::size_t> found) const;

    // What is served of `kind` without a request (docker's list, the build secrets): one entry
    // per key, the one outranks() picks among those may_match() lets in, in the store order of
    // each key's first such entry; a key whose pick is a tombstone is left out.
    std::vector<const Entry*> served(EntryKind kind) const;

    bool source_is_stale(std::string_view source) const { return stale_sources_.contains(source); }

private:
    std::span<const Entry> entries_;
    std::set<std::string, std::less<>> stale_sources_;
};

}  // namespace keyhold::store
