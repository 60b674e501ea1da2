#include "configured_clients.hpp"

#include <nlohmann/json.hpp>

#include "keyhold/platform/files.hpp"

namespace keyhold::cli {
namespace {

constexpr std::size_t kMaxRecordBytes = std::size_t{1} << 20;
constexpr int kRecordVersion = 1;

nlohmann::json to_json(const ConfiguredFile& file) {
    return {{"client", file.client},
            {"creds_store", file.added.creds_store},
            {"replaced_creds_store", file.added.replaced_creds_store ? nlohmann::json(*file.added.replaced_creds_store)
                                                                     : nlohmann::json(nullptr)},
            {"cred_helpers", file.added.cred_helpers},
            {"cred_helpers_object", file.added.cred_helpers_object},
            {"created_file", file.added.file},
            {"follow_store", file.follow_store},
            {"pinned", file.pinned}};
}

ConfiguredFile from_json(const nlohmann::json& json) {
    ConfiguredFile file;
    file.client = json.value("client", "");
    file.added.creds_store = json.value("creds_store", false);
    if (const auto replaced = json.find("replaced_creds_store"); replaced != json.end() && replaced->is_string()) {
        file.added.replaced_creds_store = replaced->get<std::string>();
    }
    file.added.cred_helpers = json.value("cred_helpers", std::set<std::string>{});
    file.added.cred_helpers_object = json.value("cred_helpers_object", false);
    file.added.file = json.value("created_file", false);
    file.follow_store = json.value("follow_store", false);
    file.pinned = json.value("pinned", std::set<std::string>{});
    return file;
}

}  // namespace

std::filesystem::path configured_clients_file(const store::StoreLocation& location) {
    return location.directory / "configured-clients.json";
}

Result<ConfiguredClients> read_configured_clients(const store::StoreLocation& location) {
    const auto path = configured_clients_file(location);
    auto bytes = platform::read_private_file(path, kMaxRecordBytes);
    if (!bytes) {
        return std::unexpected(bytes.error());
    }
    ConfiguredClients clients;
    if (!*bytes) {
        return clients;
    }
    const auto document = nlohmann::json::parse((*bytes)->begin(), (*bytes)->end(), nullptr, false);
    if (document.is_discarded() || !document.is_object() || document.value("version", 0) != kRecordVersion ||
        !document.contains("files") || !document["files"].is_object()) {
        return fail(path.string() +
                    " is damaged; keyhold cannot tell what it added to the clients' files: check them "
                    "by hand (docs/setup.md), then remove it");
    }
    try {
        for (const auto& [name, file] : document["files"].items()) {
            clients.files[name] = from_json(file);
        }
    } catch (const nlohmann::json::exception&) {
        return fail(path.string() +
                    " is damaged; keyhold cannot tell what it added to the clients' files: check them "
                    "by hand (docs/setup.md), then remove it");
    }
    return clients;
}

Result<void> write_configured_clients(const store::StoreLocation& location, const ConfiguredClients& clients) {
    const auto path = configured_clients_file(location);
    nlohmann::json files = nlohmann::json::object();
    for (const auto& [name, file] : clients.files) {
        if (!file.added.empty() || file.follow_store || !file.pinned.empty()) {
            files[name] = to_json(file);
        }
    }
    if (files.empty()) {
        std::error_code error;
        std::filesystem::remove(path, error);
        return {};
    }
    if (auto directory = platform::ensure_private_directory(location.directory); !directory) {
        return directory;
    }
    const std::string text = nlohmann::json{{"version", kRecordVersion}, {"files", files}}.dump(2) + "\n";
    return platform::replace_file_atomically(path, {reinterpret_cast<const unsigned char*>(text.data()), text.size()});
}

}  // namespace keyhold::cli
