#include "keyhold/store/user_changes.hpp"

#include <algorithm>
#include <vector>

#include "keyhold/store/org_sources.hpp"

namespace keyhold::store {

void put_user_credential(Transaction& transaction, Entry entry, const EntryTest& is_same_org_credential,
                         std::int64_t now) {
    const auto& entries = transaction.entries();
    const bool org_has_it = std::any_of(entries.begin(), entries.end(), [&](const Entry& candidate) {
        return !candidate.from_user() && candidate.kind == entry.kind && is_same_org_credential(candidate);
    });
    if (org_has_it) {
        transaction.remove(entry.kind, entry.key, kUserOrigin);
        return;
    }
    transaction.put(std::move(entry), now);
}

void erase_for_client(Transaction& transaction, const EntryTest& matches, std::deque<std::string>& storage,
                      std::int64_t now) {
    const std::size_t removed = transaction.remove_if([&](const Entry& entry) {
        return entry.from_user() && !is_tombstone(entry) && matches(entry);
    });
    if (removed > 0) {
        return;
    }
    std::vector<Entry> tombstones;
    for (const Entry& entry : transaction.entries()) {
        const bool org_entry = !entry.from_user() && entry.kind != EntryKind::source_token;
        if (!org_entry || !matches(entry)) {
            continue;
        }
        const bool hidden = std::any_of(transaction.entries().begin(), transaction.entries().end(),
                                        [&](const Entry& other) { return tombstone_hides(other, entry); });
        if (hidden) {
            continue;
        }
        storage.push_back(credential_fingerprint(entry));
        Entry tombstone;
        tombstone.kind = entry.kind;
        tombstone.key = entry.key;
        tombstone.label = entry.label;
        tombstone.origin = kUserOrigin;
        tombstone.extras.push_back({kHidesFingerprint, crypto::SecretView(storage.back())});
        tombstones.push_back(std::move(tombstone));
    }
    for (Entry& tombstone : tombstones) {
        transaction.put(std::move(tombstone), now);
    }
}

}  // namespace keyhold::store
