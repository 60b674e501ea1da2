// `keyhold unlock`: the one command that may ask a person. The protector's keychain is asked to
// unlock (on a desktop, the keyring's own dialog), or the passphrase is asked on the terminal,
// and the key then goes into the OS's short-lived cache, so that the helpers (which never ask)
// work again.

#include <iostream>

#include "commands.hpp"
#include "existing_store.hpp"
#include "keyhold/platform/key_cache.hpp"
#include "keyhold/store/store.hpp"

namespace keyhold::cli {

Result<void> run_unlock(const Settings& settings) {
    auto existing = existing_store(settings);
    if (!existing) {
        return std::unexpected(existing.error());
    }
    const store::StoreLocation& location = existing->location;
    const store::StoreHeader& header = existing->header;
    auto protector = platform::make_key_protector(header.protector, location.protector_options);
    if (!protector) {
        return std::unexpected(protector.error());
    }
    if (auto ready = (*protector)->unlock_interactively(); !ready) {
        return std::unexpected(ready.error());
    }
    // Opening from the protector fills the cache (store.cpp), as the first helper call would.
    auto opened = store::open_store(location, store::KeySource::protector_only);
    if (!opened) {
        return std::unexpected(opened.error());
    }
    if (platform::key_cache_enabled(location.key_cache_lifetime)) {
        std::cout << "the store " << location.store_file().string()
                  << " is unlocked; its key is cached for the helpers\n";
    } else {
        // macOS and Windows have no key cache, and KEYHOLD_KEY_CACHE_SECONDS=0 turns it off: the
        // helpers ask the protector at every call, so a passphrase must be in their environment.
        std::cout << "the store " << location.store_file().string() << " opens with its " << header.protector
                  << " protector; keyhold keeps no key cache here, so the helpers ask it at every call\n";
    }
    return {};
}

}  // namespace keyhold::cli
