#pragma once
// Which stored entries may answer a client right now, beyond matching: an org entry whose
// source has not synced within its --max-age is not served, and a tombstone (a user's local
// "not this one") answers nothing. One object per request.

#include <cstdint>
#include <set>
#include <span>
#include <string>

#include "keyhold/store/entry.hpp"
#include "keyhold/store/store.hpp"

namespace keyhold::store {

class ServingRules {
public:
    // Reads the sync state only when some source has a maximum age.
    ServingRules(const StoreLocation& location, std::span<const Entry> entries, std::int64_t now);

    // Whether `entry` takes part in matching: a tombstone does (it must win over the org entry
    // it hides); an org entry of a stale source does not.
    bool may_match(const Entry& entry) const;

    // Whether the entry matching picked is an answer, rather than a tombstone.
    static bool answers(const Entry& entry);

    bool source_is_stale(std::string_view source) const { return stale_sources_.contains(source); }

private:
    std::set<std::string, std::less<>> stale_sources_;
};

}  // namespace keyhold::store
