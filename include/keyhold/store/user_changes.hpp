#pragma once
// What a client's `store` and `erase` do when the org has an entry for the same thing
// (docs/org-sync.md): user entries win, a client storing back the org's own credential makes
// no user copy (it would shadow the org's next rotation), and erasing an org entry hides it on
// this machine until the org changes it.

#include <cstdint>
#include <deque>
#include <functional>
#include <string>

#include "keyhold/store/entry.hpp"
#include "keyhold/store/store.hpp"

namespace keyhold::store {

using EntryTest = std::function<bool(const Entry&)>;

// Puts the user's `entry`, unless `is_same_org_credential` finds it held by an org entry: then
// the user's own entry (or tombstone) for that key goes instead.
void put_user_credential(Transaction& transaction, Entry entry, const EntryTest& is_same_org_credential,
                         std::int64_t now);

// Removes the user's entries `matches` selects; when there were none, hides the org entries it
// selects behind tombstones. `storage` keeps the tombstones' text until commit.
void erase_for_client(Transaction& transaction, const EntryTest& matches, std::deque<std::string>& storage,
                      std::int64_t now);

}  // namespace keyhold::store
