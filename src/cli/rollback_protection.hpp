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

// The protectors of this build that keep a generation, for the advice: "secret-service" on
// Linux, "macos-keychain" on macOS, none on Windows.
inline std::string protectors_that_record_generations() {
    std::string names;
    for (const platform::ProtectorKind& kind : platform::protector_kinds()) {
        if (kind.make({})->records_generations()) {
            names += (names.empty() ? "" : " or ") + std::string(kind.name);
        }
    }
    return names;
}

inline RollbackProtection rollback_protection(std::string_view protector_name) {
    auto protector = platform::make_key_protector(protector_name, {});
    if (protector && (*protector)->records_generations()) {
        return {true, "refused: the " + std::string(protector_name) +
                          " protector keeps the newest generation written, and an older store file is refused"};
    }
    const std::string better = protectors_that_record_generations();
    return {false, "not detected once the key cache expires: the " + std::string(protector_name) +
                       " protector keeps no generation, so an older copy of the store (with since-revoked "
                       "credentials) would be served; " +
                       (better.empty() ? std::string("no protector of this platform keeps one: keep the store "
                                                     "directory where nobody can put an older copy back")
                                       : "`keyhold rekey --backend " + better + "` protects against it")};
}

}  // namespace keyhold::cli
