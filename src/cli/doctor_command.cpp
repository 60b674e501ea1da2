// `keyhold doctor`: whether this machine's docker, container tools and git will get their
// credentials from keyhold, and what stands in the way, one line per finding. It reads and
// never changes anything (an unlock caches the key, as any use does) and prints no secret.

#include <algorithm>
#include <fstream>
#include <iostream>

#include "commands.hpp"
#include "rollback_protection.hpp"
#include "git_config.hpp"
#include "git_credentials_file.hpp"
#include "plaintext_sources.hpp"
#include "client_json.hpp"
#include "keyhold/platform/client_file.hpp"
#include "keyhold/clock.hpp"
#include "keyhold/encoding/display_text.hpp"
#include "keyhold/match/registry_key.hpp"
#include "keyhold/platform/key_cache.hpp"
#include "keyhold/platform/process.hpp"
#include "keyhold/store/org_sources.hpp"
#include "keyhold/store/serving.hpp"
#include "keyhold/store/store.hpp"
#include "keyhold/store/sync_state.hpp"

namespace keyhold::cli {
namespace {

constexpr std::size_t kMaxClientConfigBytes = std::size_t{4} << 20;
constexpr std::string_view kHelperName = "keyhold";

class Findings {
public:
    void ok(const std::string& text) { print("ok   ", text); }
    void warn(const std::string& text) {
        ++warnings_;
        print("warn ", text);
    }
    void problem(const std::string& text) {
        ++problems_;
        print("FAIL ", text);
    }

    int problems() const { return problems_; }
    int warnings() const { return warnings_; }

private:
    static void print(std::string_view mark, const std::string& text) { std::cout << mark << ' ' << text << '\n'; }

    int problems_ = 0;
    int warnings_ = 0;
};

std::string counted(int count, std::string_view noun) {
    return std::to_string(count) + " " + std::string(noun) + (count == 1 ? "" : "s");
}

std::string joined(const std::vector<std::string>& names) {
    std::string text;
    for (const std::string& name : names) {
        text += (text.empty() ? "" : ", ") + name;
    }
    return text;
}

// --- the store and its key ----------------------------------------------------------------

struct StoreFindings {
    store::StoreLocation location;
    std::optional<store::OpenStore> store;
};

std::optional<StoreFindings> check_store(Findings& findings, const Settings& settings) {
    auto location = store::locate_store(settings);
    if (!location) {
        findings.problem("store: " + location.error().message);
        return std::nullopt;
    }
    auto header = store::read_store_header(*location);
    if (!header) {
        findings.problem("store: " + header.error().message);
        return std::nullopt;
    }
    if (!*header) {
        findings.warn("store: there is none in " + location->directory.string() +
                      " yet: `keyhold init`, or the first `docker login` creates one");
        return std::nullopt;
    }
    const store::StoreHeader& found = **header;
    findings.ok("store: " + location->store_file().string() + ", generation " + std::to_string(found.generation) +
                ", its key protected by " + found.protector);

    // What stands behind the key, for the protectors that can say (the TPM answers, its sealed
    // file is there): a finding of its own, before whether the key opens the store.
    const platform::StoreIdentity identity{store::to_hex(found.store_id), location->directory};
    if (auto protector = platform::make_key_protector(found.protector, location->protector_options); protector) {
        if (auto finding = (*protector)->diagnose(identity, found.protector_params)) {
            if (*finding) {
                findings.ok(found.protector + ": " + **finding);
            } else {
                findings.problem(found.protector + ": " + finding->error().message);
            }
        }
    }

    // What the helpers meet once the cache has expired, and whether they meet it now.
    const std::string cache_id = identity.copy_id();
    const bool cached = platform::cached_key(cache_id, location->key_cache_lifetime).has_value();
    const std::string cache_note =
        !platform::key_cache_enabled(location->key_cache_lifetime)
            ? "; the key cache is off here (KEYHOLD_KEY_CACHE_SECONDS=0)"
        : cached ? "; the key is cached in the kernel keyring (`keyhold lock` drops it)"
                 : "; the key is not cached: helper calls ask the protector until one unlocks";
    auto opened = store::open_store(*location, store::KeySource::protector_only);
    if (opened && *opened) {
        const std::size_t entries = (*opened)->entries.size();
        findings.ok("key: the " + found.protector + " protector opens the store (" + std::to_string(entries) +
                    (entries == 1 ? " entry)" : " entries)") + cache_note);
        if (const RollbackProtection rollback = rollback_protection(found.protector); !rollback.detected) {
            findings.warn("rollback: " + rollback.sentence);
        }
        return StoreFindings{*location, std::move(**opened)};
    }
    const std::string why = opened ? "the store disappeared while it was read" : opened.error().message;
    auto from_cache = cached ? store::open_store(*location) : Result<std::optional<store::OpenStore>>(std::nullopt);
    if (!from_cache || !*from_cache) {
        // A damaged store fails with the cached key too: helpers fail now, not only later.
        findings.problem("key: " + (from_cache ? why : from_cache.error().message));
        return std::nullopt;
    }
    findings.warn("key: helpers work from the kernel cache now, but not once it expires: " + why);
    return StoreFindings{*location, std::move(**from_cache)};
}

void check_sources(Findings& findings, const StoreFindings& found) {
    const std::vector<store::Entry>& entries = found.store->entries;
    const auto sources = store::sources_in(entries);
    if (sources.empty()) {
        return;
    }
    auto state = store::read_sync_state(found.location);
    if (!state) {
        findings.problem("sync: " + state.error().message);
        return;
    }
    const std::int64_t now = unix_now();
    const store::ServingPolicy policy(found.location, entries, now);
    for (const store::SourceView& source : sources) {
        const std::string name = "source " + std::string(source.name) + ": ";
        const auto remembered = state->find(source.name);
        const bool synced = remembered != state->end() && remembered->second.last_success;
        const std::string last_error = remembered != state->end() ? remembered->second.last_error : "";
        const std::string sync_it = "run `keyhold sync " + std::string(source.name) + "`" +
                                    (last_error.empty() ? "" : " (`keyhold status` shows why the last attempt failed)");
        if (policy.source_is_stale(source.name)) {
            findings.problem(name + (synced ? "its last successful sync is older than its --max-age" : "never synced") +
                             ", so none of its credentials are served: " + sync_it);
        } else if (!synced) {
            findings.warn(name + "never synced: " + sync_it);
        } else if (!last_error.empty()) {
            findings.warn(name + "the last sync failed, so what it synced before is served: " + last_error);
        } else {
            findings.ok(name + "synced " + std::to_string(now - *remembered->second.last_success) + " s ago");
        }
    }
}

// --- the clients --------------------------------------------------------------------------

// The file parsed as configure and import parse it (client_json.hpp: the same size and nesting
// limits), or why not. Read through a link, as the clients read it: doctor only looks. The
// parser's message is not shown: doctor says only that the client cannot read it either.
Result<std::optional<ClientJson>> read_client_config(const std::filesystem::path& file) {
    std::error_code error;
    if (!std::filesystem::exists(file, error)) {
        return std::nullopt;
    }
    const auto size = std::filesystem::file_size(file, error);
    if (error || size > kMaxClientConfigBytes) {
        return fail(file.string() + " cannot be read" + (error ? ": " + error.message() : ": it is over 4 MiB"));
    }
    std::ifstream in(file, std::ios::binary);
    const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    if (!in && !in.eof()) {
        return fail(file.string() + " cannot be read");
    }
    auto parsed = parse_client_json(text, file);
    if (!parsed) {
        return fail(file.string() + " is not a JSON object, so the client cannot read it either");
    }
    return std::optional<ClientJson>(std::move(*parsed));
}

// Registries whose password or token the file itself holds (base64 is not encryption).
std::vector<std::string> registries_with_stored_secrets(const ClientJson& config) {
    std::vector<std::string> registries;
    const auto auths = config.find("auths");
    if (auths == config.end() || !auths->is_object()) {
        return registries;
    }
    for (const auto& [registry, entry] : auths->items()) {
        if (!entry.is_object()) {
            continue;
        }
        for (const char* field : {"auth", "password", "identitytoken", "registrytoken"}) {
            if (!string_field(entry, field).empty()) {
                registries.push_back(registry);
                break;
            }
        }
    }
    std::sort(registries.begin(), registries.end());  // named in one order, whatever the file's
    return registries;
}

struct RegistryClient {
    std::string_view name;
    // docker reads credsStore; the containers tools read only credHelpers (containers-auth.json(5)).
    bool reads_creds_store;
};
constexpr RegistryClient kDocker{"docker", true};
constexpr RegistryClient kContainersTools{"podman/buildah/skopeo", false};

// Whether the client sends anything to keyhold: every registry (credsStore) or some (credHelpers).
bool check_client_config(Findings& findings, const RegistryClient& client, const std::filesystem::path& file,
                         const ClientJson& config) {
    const std::string name = std::string(client.name) + ": " + file.string();
    std::vector<std::string> through_keyhold;
    std::vector<std::string> elsewhere;  // "registry (helper)": per-registry helpers win over credsStore
    if (const auto helpers = config.find("credHelpers"); helpers != config.end() && helpers->is_object()) {
        for (const auto& [registry, helper] : helpers->items()) {
            if (!helper.is_string()) {
                continue;
            }
            if (helper.get<std::string>() == kHelperName) {
                through_keyhold.push_back(encoding::address_for_display(registry));
            } else {
                elsewhere.push_back(encoding::address_for_display(registry) + " (" +
                                    encoding::printable(helper.get<std::string>(), 100) + ")");
            }
        }
    }
    // The file is anyone's to write: its names reach the terminal printable only.
    const std::string store = string_field(config, "credsStore");
    const std::string shown_store = encoding::printable(store, 100);
    bool uses_keyhold = true;
    if (store == kHelperName && !client.reads_creds_store) {
        uses_keyhold = !through_keyhold.empty();
        findings.warn(name + " names keyhold in credsStore, which " + std::string(client.name) +
                      " ignore: run `keyhold configure containers` to name each registry in \"credHelpers\"");
    }
    if (store == kHelperName && client.reads_creds_store) {
        findings.ok(name + " sends every registry to keyhold (credsStore)" +
                    (elsewhere.empty() ? "" : ", except " + joined(elsewhere) + " in credHelpers"));
    } else if (!through_keyhold.empty()) {
        findings.ok(name + " sends " + joined(through_keyhold) + " to keyhold (credHelpers)");
    } else if (!store.empty() && client.reads_creds_store) {
        uses_keyhold = false;
        findings.warn(name + " keeps credentials in docker-credential-" + shown_store +
                      ", not keyhold: run `keyhold configure docker` (its --undo puts " + shown_store + " back)");
    } else if (store != kHelperName) {
        uses_keyhold = false;
        findings.warn(name + " does not use keyhold: run " +
                      (client.reads_creds_store ? "`keyhold configure docker` (\"credsStore\": \"keyhold\")"
                                                : "`keyhold configure containers` (\"credHelpers\" for each registry)"));
    }
    std::vector<std::string> movable;
    std::vector<std::string> namespaced;  // keyhold import leaves these (docs/setup.md)
    for (std::string& registry : registries_with_stored_secrets(config)) {
        const auto key = match::parse_registry_key(registry);
        (key && !key->path.empty() ? namespaced : movable).push_back(encoding::address_for_display(registry));
    }
    if (!movable.empty()) {
        findings.warn(name + " holds passwords in base64 for " + joined(movable) +
                      ": run `keyhold import` to move them into keyhold (`keyhold import --dry-run` lists them)");
    }
    if (!namespaced.empty()) {
        findings.warn(name + " holds passwords in base64 for " + joined(namespaced) +
                      ", namespaces that clients never ask a credential helper for: they stay in plain text "
                      "(`podman logout` each when the host-wide credential is enough)");
    }
    return uses_keyhold;
}

// docker, then the containers tools (which fall back to docker's file when theirs is absent),
// at the paths the environment names (Settings::client_config).
bool check_registry_clients(Findings& findings, const ClientConfigPaths& paths) {
    bool any_uses_keyhold = false;
    const auto& docker_file = paths.docker_config;
    if (!docker_file) {
        findings.warn("docker: HOME is unset, so docker's config.json cannot be found");
    } else if (auto config = read_client_config(*docker_file); !config) {
        findings.warn("docker: " + config.error().message);
    } else if (!*config) {
        findings.warn("docker: " + docker_file->string() +
                      " does not exist: `keyhold configure docker` creates it with "
                      "{\"credsStore\": \"keyhold\"}");
    } else {
        any_uses_keyhold = check_client_config(findings, kDocker, *docker_file, **config);
    }
    if (const auto containers_file = paths.containers_auth()) {
        if (auto config = read_client_config(*containers_file); !config) {
            findings.warn("podman/buildah/skopeo: " + config.error().message);
        } else if (*config) {
            any_uses_keyhold =
                check_client_config(findings, kContainersTools, *containers_file, **config) || any_uses_keyhold;
        }
    }
    return any_uses_keyhold;
}

// What git runs for a credential.helper value (gitcredentials(7)): a shell command after "!",
// else a program and its arguments. Only the program is ever shown: a helper's command line
// can carry a token.
std::string helper_program(const std::string& value) {
    if (value.starts_with('!')) {
        return "a shell command";
    }
    return value.substr(0, value.find_first_of(" \t"));
}

// A URL as git config names it, without any user information in it (with or without a
// scheme: git config accepts both).
std::string without_user_info(std::string url) {
    const auto scheme = url.find("://");
    const std::size_t authority = scheme == std::string::npos ? 0 : scheme + 3;
    const std::size_t path = std::min(url.find('/', authority), url.size());
    const auto at = url.rfind('@', path == 0 ? 0 : path - 1);
    if (at != std::string::npos && at >= authority && at < path) {
        url.erase(authority, at + 1 - authority);
    }
    return url;
}

struct GitUse {
    bool uses_keyhold = false;
    bool by_path = false;  // credential.helper names keyhold's helper by its path, not through PATH
};

// git-credential-store's default files that hold a credential: plaintext on disk, whichever
// helper git uses now.
void check_git_credential_files(Findings& findings, const ClientConfigPaths& paths) {
    for (const std::filesystem::path& file : paths.git_credentials) {
        auto read = platform::read_client_file(file, kMaxClientConfigBytes);
        if (!read) {
            findings.warn("git: " + read.error().message);
            continue;
        }
        if (!*read) {
            continue;
        }
        const std::size_t count = parse_git_credentials((*read)->bytes).credentials.size();
        if (count > 0) {
            findings.warn("git: " + file.string() + " holds " + counted(static_cast<int>(count), "password") +
                          " in plain text: run `keyhold import` to move them into keyhold");
        }
    }
}

GitUse check_git(Findings& findings) {
    if (!platform::find_on_path("git")) {
        findings.ok("git: not installed here");
        return {};
    }
    const auto values = git_config_values({"--get-all", "credential.helper"});
    if (!values) {
        findings.warn("git: " + values.error().message);
        return {};
    }
    std::vector<std::string> helpers;  // as git applies them: an empty value clears those before it
    for (const std::string& value : *values) {
        if (value.empty()) {
            helpers.clear();
        } else {
            helpers.push_back(helper_program(value));
        }
    }
    if (std::find(helpers.begin(), helpers.end(), "store") != helpers.end()) {
        findings.warn(
            "git: credential.helper includes `store`, which keeps passwords in plain text in "
            "~/.git-credentials: `keyhold import` moves them into keyhold; then remove `store` from "
            "credential.helper and run `keyhold configure git`");
    }
    const auto keyhold = std::find_if(helpers.begin(), helpers.end(), [](const std::string& program) {
        return program == kHelperName || std::filesystem::path(program).filename() == "git-credential-keyhold";
    });
    if (keyhold == helpers.end()) {
        findings.warn("git: credential.helper does not include keyhold: run `keyhold configure git`");
        return {};
    }
    const GitUse use{true, keyhold->find('/') != std::string::npos};
    if (use.by_path && !platform::is_executable_file(*keyhold)) {
        findings.problem("git: credential.helper names " + *keyhold + ", which is not an executable file");
    } else if (keyhold != helpers.begin()) {
        findings.ok("git: asks keyhold for credentials, after " +
                    joined(std::vector<std::string>(helpers.begin(), keyhold)));
    } else {
        findings.ok("git: asks keyhold for credentials (credential.helper)");
    }

    // credential.<url>.helper: asked too, for those URLs.
    const auto scoped = git_config_values({"--name-only", "--get-regexp", "^credential\\..+\\.helper$"});
    std::vector<std::string> urls;
    for (const std::string& name : scoped.value_or(std::vector<std::string>{})) {
        constexpr std::string_view prefix = "credential.";
        constexpr std::string_view suffix = ".helper";
        if (name.size() > prefix.size() + suffix.size()) {
            urls.push_back(without_user_info(name.substr(prefix.size(), name.size() - prefix.size() - suffix.size())));
        }
    }
    if (!urls.empty()) {
        findings.warn("git: other helpers are set for " + joined(urls) +
                      " (credential.<url>.helper); git asks them too for those URLs");
    }
    return use;
}

// A helper the clients are told to run but cannot find is a failed pull or clone.
void check_helper_on_path(Findings& findings, std::string_view program, bool client_uses_it) {
    if (const auto found = platform::find_on_path(program)) {
        findings.ok(std::string(program) + ": " + found->string());
    } else if (client_uses_it) {
        findings.problem(std::string(program) +
                         " is not on PATH, so the clients told to use keyhold cannot run it: "
                         "install keyhold (`cmake --install`) or add its bin directory to PATH");
    } else {
        findings.warn(std::string(program) + " is not on PATH");
    }
}

}  // namespace

Result<void> run_doctor(const Settings& settings) {
    Findings findings;
    if (auto found = check_store(findings, settings)) {
        check_sources(findings, *found);
    }
    const bool registries_use_keyhold = check_registry_clients(findings, settings.client_config);
    const GitUse git = check_git(findings);
    check_git_credential_files(findings, settings.client_config);
    check_helper_on_path(findings, "docker-credential-keyhold", registries_use_keyhold);
    check_helper_on_path(findings, "git-credential-keyhold", git.uses_keyhold && !git.by_path);
    std::cout << counted(findings.problems(), "problem") << ", " << counted(findings.warnings(), "warning") << '\n';
    if (findings.problems() > 0) {
        return fail("doctor found " + counted(findings.problems(), "problem") + " (FAIL above)");
    }
    return {};
}

}  // namespace keyhold::cli
