#include <iostream>

#include "commands.hpp"
#include "keyhold/platform/key_cache.hpp"
#include "keyhold/platform/key_protector.hpp"
#include "keyhold/store/store.hpp"

namespace keyhold::cli {

Result<void> run_init(const InitOptions& options, const Settings& settings) {
    auto location = store::locate_store(settings);
    if (!location) {
        return std::unexpected(location.error());
    }
    std::string backend;
    if (options.backend) {
        backend = *options.backend;
    } else {
        auto platform_default = platform::default_protector_name();
        if (!platform_default) {
            return std::unexpected(platform_default.error());
        }
        backend = *platform_default;
    }
    if (auto pcrs = check_tpm2_pcrs_option(backend, options.tpm2_pcrs); !pcrs) {
        return pcrs;
    }
    location->protector_options.tpm2_pcrs = options.tpm2_pcrs;
    if (auto created = store::create_store(*location, backend); !created) {
        return created;
    }
    std::cout << "created keyhold store " << location->store_file().string() << ", its key protected by " << backend
              << '\n';
    // What a headless machine meets once the cache expires: a helper never asks anyone.
    const bool passphrase = backend == "passphrase";
    // The TPM needs no one: after the cache, each helper call unseals the key again.
    const bool tpm = backend == "tpm2";
    if (platform::key_cache_enabled(location->key_cache_lifetime)) {
        std::cout << "its key is cached for the helpers for " << location->key_cache_lifetime.count()
                  << (tpm ? " s; after that they have the TPM unseal it again"
                          : " s; after that `keyhold unlock` opens it again")
                  << (passphrase ? " (where no one can type, give the helpers KEYHOLD_PASSPHRASE instead)" : "")
                  << '\n';
    } else if (passphrase) {
        std::cout << "keyhold keeps no key cache here: the helpers read KEYHOLD_PASSPHRASE from their environment\n";
    }
    return {};
}

}  // namespace keyhold::cli
