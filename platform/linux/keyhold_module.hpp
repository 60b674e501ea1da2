#pragma once
// Loading one of keyhold's own modules (keyhold-secret-service.so, keyhold-tpm2.so): the
// libraries a keychain needs (GLib, tpm2-tss and libcrypto) live in a module that keyhold maps
// only when a store's key must come from that keychain, so that a credential helper whose key
// is cached never pays for them. Each module has a plain C interface (secret_service_abi.h,
// tpm2_abi.h) whose struct starts with its ABI version.

#include <string>

#include "keyhold/error.hpp"

namespace keyhold::platform {

struct KeyholdModule {
    const char* file_name;     // "keyhold-tpm2.so"
    const char* entry_symbol;  // its versioned entry point, "keyhold_tpm2_api_v1"
    const char* description;   // for messages: "the TPM module"
    const char* package;       // the package that installs it: "keyhold-tpm2"
};

// The module's entry point, found beside the executable (the build tree) or in
// LIBDIR/keyhold/modules (installed), never on a path the environment names; an error that
// names the package when it is in neither.
Result<void*> find_module_entry(const KeyholdModule& module);

// The module's interface, once its ABI version is checked.
template <typename Api>
Result<const Api*> load_keyhold_module(const KeyholdModule& module, int abi_version) {
    auto entry = find_module_entry(module);
    if (!entry) {
        return std::unexpected(entry.error());
    }
    using Entry = const Api* (*)();
    const Api* api = reinterpret_cast<Entry>(*entry)();
    if (api == nullptr || api->abi_version != abi_version) {
        return fail(std::string(module.file_name) + " is not " + module.description + " of this keyhold");
    }
    return api;
}

}  // namespace keyhold::platform
