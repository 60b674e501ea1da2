#include <iostream>

#include "commands.hpp"
#include "existing_store.hpp"
#include "keyhold/platform/key_cache.hpp"
#include "keyhold/store/store.hpp"

namespace keyhold::cli {

// Drops the store's key from the OS's short-lived cache: the next use asks the protector (the
// Secret Service or the passphrase) again.
Result<void> run_lock(const Settings& settings) {
    auto existing = existing_store(settings);
    if (!existing) {
        return std::unexpected(existing.error());
    }
    const store::StoreLocation& location = existing->location;
    const store::StoreHeader& header = existing->header;
    platform::drop_cached_key(platform::StoreIdentity{store::to_hex(header.store_id), location.directory}.copy_id());
    if (!platform::key_cache_enabled(location.key_cache_lifetime)) {
        // macOS and Windows have no cache (their keychains answer in-process), or it is turned off.
        std::cout << "keyhold keeps no key cache here: every use of " << location.store_file().string()
                  << " asks its " << header.protector << " protector\n";
        return {};
    }
    std::cout << "the key of " << location.store_file().string()
              << " is no longer cached; the next use asks its " << header.protector << " protector\n";
    return {};
}

}  // namespace keyhold::cli
