#include <iostream>

#include "commands.hpp"
#include "keyhold/store/store.hpp"

namespace keyhold::cli {

// A new data key for the store, held by the same protector or moved to another
// (docs/store-format.md, "Re-keying"): every entry is re-encrypted, none re-entered.
Result<void> run_rekey(const RekeyOptions& options, const Settings& settings) {
    auto location = store::locate_store(settings);
    if (!location) {
        return std::unexpected(location.error());
    }
    if (options.backend) {  // else checked below, once the store names its protector
        if (auto pcrs = check_tpm2_pcrs_option(*options.backend, options.tpm2_pcrs); !pcrs) {
            return pcrs;
        }
    }
    location->protector_options.tpm2_pcrs = options.tpm2_pcrs;
    // The current protector must open the store, not the cache: like changing a password, a
    // re-key proves the passphrase or keyring it replaces.
    auto transaction = store::Transaction::begin_if_exists(*location, store::KeySource::protector_only);
    if (!transaction) {
        return std::unexpected(transaction.error());
    }
    if (!*transaction) {
        return fail("there is no keyhold store in " + location->directory.string() + " to re-key");
    }
    store::Transaction& change = **transaction;
    const std::string previous(change.protector_name());
    const std::string backend = options.backend.value_or(previous);
    if (auto pcrs = check_tpm2_pcrs_option(backend, options.tpm2_pcrs); !pcrs) {
        return pcrs;
    }
    if (auto replaced = change.replace_key(backend); !replaced) {
        return replaced;
    }
    if (auto written = change.commit(); !written) {
        return written;
    }
    std::cout << "re-keyed " << location->store_file().string() << ": a new data key, protected by " << backend
              << (backend == previous ? "" : " (was " + previous + ")") << '\n';
    if (auto retired = change.retire_replaced_key(); !retired) {
        return fail("the store uses its new key, but its old key is still with the " + previous +
                    " protector: " + retired.error().message);
    }
    return {};
}

}  // namespace keyhold::cli
