#pragma once
// What stops an older copy of the store file from being served again (docs/threat-model.md,
// "Rollback"): said by `keyhold status` and `keyhold doctor`, so that a passphrase store's
// owner learns it from keyhold, not from an incident.

#include <string>
#include <string_view>

#include "keyhold/platform/key_protector.hpp"

namespace keyhold::cli {

struct RollbackProtection {
    bool detected = false;  // whether an older store file is refused
    std::string sentence;
};

inline RollbackProtection rollback_protection(std::string_view protector_name) {
    auto protector = platform::make_key_protector(protector_name);
    if (protector && (*protector)->records_generations()) {
        return {true, "refused: the " + std::string(protector_name) +
                          " protector keeps the newest generation written, and an older store file is refused"};
    }
    return {false, "not detected once the key cache expires: the " + std::string(protector_name) +
                       " protector keeps no generation, so an older copy of the store (with since-revoked "
                       "credentials) would be served; `keyhold rekey --backend secret-service` where a Secret "
                       "Service runs protects against it"};
}

}  // namespace keyhold::cli
