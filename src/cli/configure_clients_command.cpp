// `keyhold configure docker|containers`: name keyhold as the credential helper in docker's
// config.json ("credsStore", or "credHelpers" per registry) and in the containers tools'
// auth.json ("credHelpers": they ignore credsStore), and take back exactly that with --undo.
// docs/setup.md says which file, how it is edited, and why.

#include <algorithm>
#include <iostream>
#include <optional>

#include "client_json.hpp"
#include "commands.hpp"
#include "configured_clients.hpp"
#include "keyhold/clock.hpp"
#include "keyhold/match/registry_key.hpp"
#include "keyhold/platform/client_file.hpp"
#include "keyhold/store/serving.hpp"

namespace keyhold::cli {
namespace {

constexpr std::size_t kMaxClientFileBytes = std::size_t{4} << 20;
constexpr std::string_view kDockerHubKey = "https://index.docker.io/v1/";

enum class Client { docker, containers };

std::string_view client_name(Client client) { return client == Client::docker ? "docker" : "containers"; }
// Who asks, with the verb: "docker asks", "podman, buildah and skopeo ask".
std::string who_asks(Client client, std::string_view middle = "") {
    return client == Client::docker ? "docker " + std::string(middle) + "asks"
                                    : "podman, buildah and skopeo " + std::string(middle) + "ask";
}

// The credHelpers key a client looks a registry up by: docker by the address it logs in to
// (Docker Hub's is https://index.docker.io/v1/), the containers tools by host[:port] (docker.io).
Result<std::string> helper_key(Client client, std::string_view registry) {
    auto key = match::parse_registry_key(registry);
    if (!key) {
        return fail("--registry " + std::string(registry) + ": " + key.error().message);
    }
    if (key->exact_only) {
        return fail("--registry " + std::string(registry) + " is one of Docker Hub's token addresses, not a registry");
    }
    if (client == Client::docker && key->host == "docker.io") {
        return std::string(kDockerHubKey);
    }
    return key->host;
}

// The hosts of the registries the store serves (synced ones and those stored by a login):
// credHelpers are per host, so an entry for ghcr.io/team-a is served through ghcr.io.
Result<std::set<std::string>> served_registries(const store::StoreLocation& location) {
    auto opened = store::open_store(location);
    if (!opened) {
        return std::unexpected(opened.error());
    }
    std::set<std::string> hosts;
    if (!*opened) {
        return hosts;
    }
    const std::vector<store::Entry>& entries = (*opened)->entries;
    const store::ServingPolicy policy(location, entries, unix_now());
    for (const store::Entry* entry : policy.served(store::EntryKind::registry)) {
        if (auto key = match::parse_registry_key(entry->key); key && !key->exact_only) {
            hosts.insert(key->host);
        }
    }
    return hosts;
}

// One read-edit-write of a client file. `edit` changes the document and the record of what
// keyhold added; nothing is written when it changed nothing.
template <class Edit>
Result<ChangeLines> edit_client_file(const std::filesystem::path& file, ConfiguredFile& record, Edit edit) {
    auto original = platform::read_client_file(file, kMaxClientFileBytes);
    if (!original) {
        return std::unexpected(original.error());
    }
    const std::string_view text = *original ? std::string_view((*original)->bytes) : std::string_view();
    auto document = parse_client_json(text, file);
    if (!document) {
        return std::unexpected(document.error());
    }
    const ClientJson before = *document;
    auto lines = edit(*document, record.added);
    if (!lines) {
        return fail(file.string() + ": " + lines.error().message + "; keyhold changed nothing");
    }
    if (*document == before) {
        return lines;
    }
    if (!*original) {
        record.added.file = true;
    }
    if (record.added.file && document->empty() && !record.added.creds_store && record.added.cred_helpers.empty() &&
        !record.added.cred_helpers_object) {
        // keyhold created the file and it holds nothing else now: it goes, as it came.
        std::error_code error;
        std::filesystem::remove(file, error);
        if (error) {
            return fail("cannot remove " + file.string() + ": " + error.message());
        }
        record.added.file = false;
        lines->push_back("removed the file, which keyhold had created");
        return lines;
    }
    if (auto written = platform::rewrite_client_file(file, dump_like(*document, text), *original); !written) {
        return std::unexpected(written.error());
    }
    return lines;
}

void print_changes(const std::filesystem::path& file, const ChangeLines& lines) {
    for (const std::string& line : lines) {
        std::cout << file.string() << ": " << line << '\n';
    }
}

Result<std::filesystem::path> client_file(Client client, const Settings& settings) {
    const auto& paths = settings.client_config;
    const auto file = client == Client::docker ? paths.docker_config : paths.containers_auth();
    if (!file) {
        return fail(client == Client::docker
                        ? std::string("cannot find docker's config.json: set HOME or DOCKER_CONFIG")
                        : std::string("cannot find the containers tools' auth.json: set REGISTRY_AUTH_FILE, "
                                      "XDG_RUNTIME_DIR or HOME"));
    }
    return std::filesystem::absolute(*file).lexically_normal();
}

Result<void> configure(Client client, const ConfigureOptions& options, const Settings& settings) {
    auto file = client_file(client, settings);
    if (!file) {
        return std::unexpected(file.error());
    }
    auto location = store::locate_store(settings);
    if (!location) {
        return std::unexpected(location.error());
    }
    auto clients = read_configured_clients(*location);
    if (!clients) {
        return std::unexpected(clients.error());
    }
    ConfiguredFile& record = clients->files[file->string()];
    record.client = std::string(client_name(client));

    std::vector<std::string> registries;
    for (const std::string& registry : options.registries) {
        auto key = helper_key(client, registry);
        if (!key) {
            return std::unexpected(key.error());
        }
        registries.push_back(*key);
    }
    const std::set<std::string> asked(registries.begin(), registries.end());
    Result<ChangeLines> lines;
    ChangeLines users_entries;  // notes, not changes
    std::vector<std::string> named_registries;  // the credHelpers entries keyhold wants in the file
    if (options.undo) {
        lines = edit_client_file(*file, record, [](ClientJson& document, AddedByKeyhold& added) -> Result<ChangeLines> {
            return undo_keyhold(document, added);
        });
        if (lines) {
            record.follow_store = false;
            record.pinned.clear();
        }
    } else if (client == Client::docker && registries.empty()) {
        lines = edit_client_file(*file, record, [](ClientJson& document, AddedByKeyhold& added) {
            return set_creds_store(document, added);
        });
    } else {
        if (client == Client::containers) {
            // Every registry the store serves, kept current by `keyhold sync` from now on.
            auto served = served_registries(*location);
            if (!served) {
                return fail("cannot read the registries keyhold serves, so " + file->string() +
                            " is unchanged: " + served.error().message);
            }
            record.follow_store = true;
            record.pinned.insert(registries.begin(), registries.end());
            registries.insert(registries.end(), served->begin(), served->end());
            std::sort(registries.begin(), registries.end());
            registries.erase(std::unique(registries.begin(), registries.end()), registries.end());
        }
        lines = edit_client_file(*file, record, [&](ClientJson& document, AddedByKeyhold& added) {
            std::vector<std::string>& named = named_registries;
            named.clear();
            const std::set<std::string> hidden =
                client == Client::containers ? hosts_with_credentials(document) : std::set<std::string>();
            for (const std::string& registry : registries) {
                if (hidden.contains(registry) && !asked.contains(registry)) {
                    users_entries.push_back("credHelpers: " + registry +
                                            " left out: \"auths\" holds your own login for it (or a namespace of "
                                            "it), which an entry would hide from podman, buildah and skopeo");
                    continue;
                }
                named.push_back(registry);
            }
            return add_cred_helpers(document, named, added, &users_entries);
        });
    }
    if (!lines) {
        return std::unexpected(lines.error());
    }
    if (auto saved = write_configured_clients(*location, *clients); !saved) {
        return fail("changed " + file->string() + " but could not record it for --undo: " + saved.error().message);
    }
    print_changes(*file, users_entries);
    print_changes(*file, *lines);
    const std::string count = std::to_string(lines->size()) + (lines->size() == 1 ? " change" : " changes");
    if (options.undo) {
        std::cout << (lines->empty()
                          ? file->string() + ": nothing of keyhold's to remove; nothing changed"
                          : who_asks(client, "no longer ") + " keyhold through " + file->string() + " (" + count + ")")
                  << '\n';
    } else if (lines->empty() && client == Client::containers && named_registries.empty()) {
        // Nothing to name (yet, or all left out above), so nothing asks keyhold: say what will.
        std::cout << who_asks(client, "will ") << " keyhold for each registry it serves"
                  << (registries.empty() ? "" : " but those left out above") << ", once `keyhold sync` or "
                  << "`keyhold import` brings one (" << file->string() << " follows the store)\n";
    } else if (lines->empty()) {
        std::cout << who_asks(client, "already ") << " keyhold through " << file->string() << "; nothing changed\n";
    } else {
        std::cout << who_asks(client, "now ") << " keyhold for credentials through " << file->string() << " (" << count
                  << "; `keyhold configure " << client_name(client) << " --undo` takes them back)\n";
    }
    return {};
}

}  // namespace

Result<void> run_configure_docker(const ConfigureOptions& options, const Settings& settings) {
    return configure(Client::docker, options, settings);
}

Result<void> run_configure_containers(const ConfigureOptions& options, const Settings& settings) {
    return configure(Client::containers, options, settings);
}

Result<void> follow_served_registries(const store::StoreLocation& location) {
    auto clients = read_configured_clients(location);
    if (!clients) {
        return std::unexpected(clients.error());
    }
    bool any = false;
    for (const auto& [name, record] : clients->files) {
        any = any || record.follow_store;
    }
    if (!any) {
        return {};
    }
    auto served = served_registries(location);
    if (!served) {
        return std::unexpected(served.error());
    }
    std::optional<Error> first_error;
    for (auto& [name, record] : clients->files) {
        if (!record.follow_store) {
            continue;
        }
        const std::filesystem::path file(name);
        auto lines =
            edit_client_file(file, record, [&](ClientJson& document, AddedByKeyhold& added) -> Result<ChangeLines> {
                // A login of the user's own in this file wins over a registry the store serves:
                // an entry for its host would hide it (hosts_with_credentials).
                std::set<std::string> wanted = *served;
                for (const std::string& host : hosts_with_credentials(document)) {
                    wanted.erase(host);
                }
                wanted.insert(record.pinned.begin(), record.pinned.end());
                std::set<std::string> gone;
                for (const std::string& registry : added.cred_helpers) {
                    if (!wanted.contains(registry)) {
                        gone.insert(registry);
                    }
                }
                auto changes =
                    add_cred_helpers(document, std::vector<std::string>(wanted.begin(), wanted.end()), added);
                if (!changes) {
                    return changes;
                }
                for (std::string& line : remove_cred_helpers(document, gone, added)) {
                    changes->push_back(std::move(line));
                }
                return changes;
            });
        if (!lines) {
            std::cout << "keyhold: " << lines.error().message << '\n';
            first_error = first_error.value_or(lines.error());
            continue;
        }
        print_changes(file, *lines);
    }
    if (auto saved = write_configured_clients(location, *clients); !saved) {
        return saved;
    }
    if (first_error) {
        return std::unexpected(*first_error);
    }
    return {};
}

}  // namespace keyhold::cli
