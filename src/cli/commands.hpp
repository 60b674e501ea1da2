#pragma once
// One function per `keyhold` subcommand; keyhold_cli.cpp wires them to the command line, and
// gives those that use the store or the clients' configuration the main's Settings.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "keyhold/error.hpp"
#include "keyhold/settings.hpp"
#include "keyhold/store/store.hpp"

namespace keyhold::cli {

// --tpm2-pcrs binds a tpm2 key to the boot state; with another backend it would be ignored
// without a word, so it is refused. The list itself is checked by the tpm2 protector.
inline Result<void> check_tpm2_pcrs_option(std::string_view backend, const std::optional<std::string>& pcrs) {
    if (pcrs && backend != "tpm2") {
        return fail("--tpm2-pcrs binds a key held by the TPM; it needs --backend tpm2, not " + std::string(backend));
    }
    return {};
}

struct InitOptions {
    std::optional<std::string> backend;    // the platform default when absent
    std::optional<std::string> tpm2_pcrs;  // --tpm2-pcrs: only with the tpm2 backend
};
Result<void> run_init(const InitOptions& options, const Settings& settings);

// Prints what `keyhold status` shows; fails when the store cannot be opened.
Result<void> run_status(const Settings& settings);

// Adds keyhold to the user's git credential.helper list, or removes it.
Result<void> run_configure_git(bool unconfigure);
// Removes git-credential-store (`store`, `store --file PATH`) from the user's credential.helper
// list, saying so; nothing when it is not there.
Result<void> remove_git_store_helpers();

struct ConfigureOptions {
    std::vector<std::string> registries;  // --registry: credHelpers entries for these
    bool undo = false;                    // remove what keyhold added, and only that
};
// docker's config.json: "credsStore": "keyhold", or credHelpers for the --registry ones.
Result<void> run_configure_docker(const ConfigureOptions& options, const Settings& settings);
// The containers tools' auth.json: credHelpers for every registry keyhold serves (and the
// --registry ones), which `keyhold sync` keeps current from then on.
Result<void> run_configure_containers(const ConfigureOptions& options, const Settings& settings);
// After a sync: adds and removes keyhold's credHelpers entries in the files configured to follow
// the registries the store serves; one line per change.
Result<void> follow_served_registries(const store::StoreLocation& location);

struct ImportOptions {
    bool dry_run = false;
};
// Moves the plaintext credentials of docker's config.json, the containers tools' auth.json and
// git's credential files into the store, removing each from its file only once the store
// answers it back.
Result<void> run_import(const ImportOptions& options, const Settings& settings);

struct SourceAddOptions {
    std::string name;
    std::string type;  // a name in sync::source_types(), checked by the parser
    std::string url;
    std::optional<std::string> ca_file;
    std::vector<std::string> git_hosts;
    std::optional<std::string> max_age;
};
Result<void> run_source_add(const SourceAddOptions& options, const Settings& settings);
Result<void> run_source_list(const Settings& settings);
Result<void> run_source_remove(const std::string& name, const Settings& settings);

struct SyncOptions {
    std::optional<std::string> source;
    std::optional<std::string> if_older_than;
    std::optional<std::string> timeout;
};
Result<void> run_sync(const SyncOptions& options, const Settings& settings);

Result<void> run_lock(const Settings& settings);

// Has the store's keychain unlock (its own dialog) or asks the passphrase, then caches the key.
Result<void> run_unlock(const Settings& settings);

// Checks the store, its key, the org sources and the clients' configuration; fails when
// something stops docker or git from getting credentials.
Result<void> run_doctor(const Settings& settings);

struct RekeyOptions {
    std::optional<std::string> backend;  // the store's own protector when absent
    // --tpm2-pcrs: only with the tpm2 backend; a tpm2 re-key without it keeps the PCRs it had.
    std::optional<std::string> tpm2_pcrs;
};
Result<void> run_rekey(const RekeyOptions& options, const Settings& settings);

Result<void> run_secret_get(const std::string& name, const Settings& settings);
Result<void> run_secret_list(const Settings& settings);

struct ExecOptions {
    std::vector<std::string> secrets;  // the build secrets to export, by name
    bool all_secrets = false;          // instead: every build secret served (secret_environment.hpp)
    std::vector<std::string> command;
};
// Replaces keyhold with the command, the build secrets in its environment; returns on failure.
// A secret whose name would change how the command loads or runs is never exported.
Result<void> run_exec(const ExecOptions& options, const Settings& settings);

// The longest --ttl of `keyhold agent`, and the default.
inline constexpr std::chrono::seconds kLongestAgentTtl{24 * 3600};
inline constexpr std::string_view kDefaultAgentTtl = "2h";

struct AgentOptions {
    std::string socket;
    std::vector<std::string> allow;         // HOST[:PORT][/PATH], at least one
    std::vector<std::uint32_t> allow_uids;  // beside the agent's own user
    std::string ttl{kDefaultAgentTtl};
};
// Serves get (and docker's list) for the allowlist on a Unix socket until the TTL or a signal.
Result<void> run_agent(const AgentOptions& options, const Settings& settings);

}  // namespace keyhold::cli
