#pragma once
// What `keyhold configure` added to which client file, kept in the store directory as
// `configured-clients.json` (plain JSON, mode 0600, no secrets; docs/setup.md): --undo removes
// exactly that, and `keyhold sync` keeps a containers auth file's credHelpers in step with
// the registries the store serves.

#include <filesystem>
#include <map>
#include <set>
#include <string>

#include "client_json.hpp"
#include "keyhold/error.hpp"
#include "keyhold/store/store.hpp"

namespace keyhold::cli {

struct ConfiguredFile {
    std::string client;  // "docker" or "containers"
    AddedByKeyhold added;
    // containers: credHelpers follow the registries the store serves, kept so by `keyhold sync`.
    bool follow_store = false;
    // Registries given with --registry: kept whatever the store holds.
    std::set<std::string> pinned;
};

struct ConfiguredClients {
    std::map<std::string, ConfiguredFile> files;  // by the file's path
};

std::filesystem::path configured_clients_file(const store::StoreLocation& location);

// None configured when the record does not exist.
Result<ConfiguredClients> read_configured_clients(const store::StoreLocation& location);

// Writes the record atomically (removes it when it records nothing).
Result<void> write_configured_clients(const store::StoreLocation& location, const ConfiguredClients& clients);

}  // namespace keyhold::cli
