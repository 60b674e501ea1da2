#include "keyhold/store/sync_state.hpp"

#include <nlohmann/json.hpp>

#include "keyhold/platform/files.hpp"

namespace keyhold::store {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxStateBytes = std::size_t{4} << 20;

std::optional<std::int64_t> optional_time(const json& object, const char* name) {
    const auto found = object.find(name);
    return found != object.end() && found->is_number_integer() ? std::optional(found->get<std::int64_t>())
                                                                : std::nullopt;
}

int count(const json& object, const char* name) {
    const auto found = object.find(name);
    return found != object.end() && found->is_number_integer() ? found->get<int>() : 0;
}

}  // namespace

std::filesystem::path sync_state_file(const StoreLocation& location) {
    return location.directory / "sync-state.json";
}

Result<SyncState> read_sync_state(const StoreLocation& location) {
    auto bytes = platform::read_private_file(sync_state_file(location), kMaxStateBytes);
    if (!bytes) {
        return std::unexpected(bytes.error());
    }
    SyncState state;
    if (!*bytes) {
        return state;
    }
    const json parsed = json::parse((*bytes)->begin(), (*bytes)->end(), nullptr, /*allow_exceptions=*/false);
    if (!parsed.is_object() || !parsed.contains("sources") || !parsed["sources"].is_object()) {
        return fail(sync_state_file(location).string() + " is damaged; remove it (the next sync rewrites it)");
    }
    for (const auto& [name, source] : parsed["sources"].items()) {
        if (!source.is_object()) {
            continue;
        }
        SourceSyncState entry;
        entry.last_attempt = optional_time(source, "last_attempt");
        entry.last_success = optional_time(source, "last_success");
        const auto error = source.find("last_error");
        entry.last_error = error != source.end() && error->is_string() ? error->get<std::string>() : "";
        entry.registry_entries = count(source, "registry");
        entry.git_entries = count(source, "git");
        entry.build_secrets = count(source, "build_secrets");
        const auto unserved = source.find("git_without_host");
        entry.git_without_host = unserved != source.end() && unserved->is_boolean() && unserved->get<bool>();
        state.emplace(name, std::move(entry));
    }
    return state;
}

Result<void> write_sync_state(const StoreLocation& location, const SyncState& state) {
    json sources = json::object();
    for (const auto& [name, source] : state) {
        json entry = {{"registry", source.registry_entries},
                      {"git", source.git_entries},
                      {"build_secrets", source.build_secrets}};
        if (source.last_attempt) {
            entry["last_attempt"] = *source.last_attempt;
        }
        if (source.last_success) {
            entry["last_success"] = *source.last_success;
        }
        if (source.git_without_host) {
            entry["git_without_host"] = true;
        }
        if (!source.last_error.empty()) {
            entry["last_error"] = source.last_error;
        }
        sources[name] = std::move(entry);
    }
    // Messages are made printable where they are written; should a byte that is not UTF-8
    // slip through all the same, it is replaced rather than allowed to throw.
    const std::string text = json{{"sources", sources}}.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
    return platform::replace_file_atomically(
        sync_state_file(location), std::span(reinterpret_cast<const unsigned char*>(text.data()), text.size()));
}

}  // namespace keyhold::store
