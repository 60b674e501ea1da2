#include "keyhold/cli/keyhold_cli.hpp"

#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>
#include <utility>

#include "commands.hpp"
#include "keyhold/encoding/display_text.hpp"
#include "keyhold/platform/key_protector.hpp"
#include "keyhold/store/store.hpp"
#include "keyhold/sync/source_types.hpp"
#include "keyhold/version.hpp"

namespace keyhold::cli {
namespace {

int report(const Result<void>& result) {
    if (!result) {
        std::cerr << "keyhold: " << result.error().message << '\n';
        return 1;
    }
    return 0;
}

// --type takes a name from the source type table; help lists each with what it is, and a
// refusal names them all, so that nobody has to look them up elsewhere.
std::string source_type_help() {
    std::string help = "The org API:";
    for (const sync::SourceType& type : sync::source_types()) {
        help += "\n  " + std::string(type.name) + ": " + std::string(type.help);
    }
    return help;
}

CLI::Validator source_type_check() {
    std::string names;
    for (const sync::SourceType& type : sync::source_types()) {
        names += (names.empty() ? "" : ",") + std::string(type.name);
    }
    return CLI::Validator(
        [](const std::string& value) -> std::string {
            if (sync::find_source_type(value) != nullptr) {
                return {};
            }
            return "'" + encoding::printable(value, 100) + "' is not a source type; use " + sync::source_type_names();
        },
        "{" + names + "}");
}

// The help of the (sub)command that refused the command line: `keyhold --help` does not show a
// subcommand's options, nor what they take.
std::string help_command(const CLI::App& app) {
    std::string command = app.get_name();
    const CLI::App* current = &app;
    for (;;) {
        const auto parsed = current->get_subcommands([](const CLI::App* sub) { return sub->parsed(); });
        if (parsed.empty()) {
            return command + " --help";
        }
        current = parsed.front();
        command += " " + current->get_name();
    }
}

// CLI11 builds a usage line from the options it parses; exec's command is taken before CLI11
// sees the command line, so its usage says it here.
class ExecUsage : public CLI::Formatter {
public:
    std::string make_usage(const CLI::App*, std::string name) const override {
        return "Usage: " + name + " [--secret NAME ...] [--all-secrets] -- COMMAND [ARG ...]\n"
               "  e.g. keyhold exec --secret NPM_TOKEN -- npm publish\n";
    }
};

constexpr const char* kTpm2PcrsHelp =
    "With --backend tpm2: bind the key to these PCRs (sha256 bank), e.g. 0,7 or sha256:0,7; before a "
    "firmware or kernel update, `keyhold rekey --backend passphrase` (docs/platforms.md)";

std::string protector_list() {
    std::string names;
    for (const platform::ProtectorKind& kind : platform::protector_kinds()) {
        names += "\n  " + std::string(kind.name) + ": " + std::string(kind.help);
    }
    return names;
}

}  // namespace

int run_keyhold(int argc, char** argv, const Settings& settings) {
    CLI::App app("keyhold: one encrypted store of the org's registry and git credentials", "keyhold");
    app.set_version_flag("--version", std::string(kVersion));
    app.require_subcommand(1);

    InitOptions init_options;
    CLI::App* init = app.add_subcommand("init", "Create the encrypted store (in $KEYHOLD_HOME, else the data dir)");
    init->add_option("--backend", init_options.backend,
                     "Who protects the store's key (default: the OS keychain):" + protector_list())
        ->type_name("NAME");
    init->add_option("--tpm2-pcrs", init_options.tpm2_pcrs, kTpm2PcrsHelp)->type_name("LIST");

    CLI::App* status = app.add_subcommand("status", "Show the store, its key protector and what it holds");
    CLI::App* lock = app.add_subcommand("lock", "Drop the store's key from the short-lived OS cache");
    CLI::App* unlock = app.add_subcommand("unlock",
                                          "Unlock the keychain (its own prompt) or ask the passphrase, then cache "
                                          "the key for the helpers, which never ask");
    CLI::App* doctor = app.add_subcommand("doctor",
                                          "Check that docker, podman/buildah/skopeo and git get their "
                                          "credentials from keyhold, and say what stands in the way");
    RekeyOptions rekey_options;
    CLI::App* rekey = app.add_subcommand("rekey",
                                         "Re-encrypt the store under a new key, optionally moving it to "
                                         "another protector");
    rekey
        ->add_option("--backend", rekey_options.backend,
                     "Who protects the new key (default: the store's own):" + protector_list())
        ->type_name("NAME");
    rekey->add_option("--tpm2-pcrs", rekey_options.tpm2_pcrs,
                      std::string(kTpm2PcrsHelp) + " (default: those of the key it replaces, if tpm2)")
        ->type_name("LIST");

    CLI::App* configure = app.add_subcommand("configure", "Point a client at keyhold");
    configure->require_subcommand(1);
    bool unconfigure_git = false;
    CLI::App* configure_git = configure->add_subcommand("git", "Set git's credential.helper to keyhold (--global)");
    configure_git->add_flag("--undo,--unconfigure", unconfigure_git, "Remove keyhold from git's credential.helper");
    ConfigureOptions configure_docker_options;
    CLI::App* configure_docker = configure->add_subcommand(
        "docker", "Set \"credsStore\": \"keyhold\" in docker's config.json (or credHelpers with --registry)");
    configure_docker->add_option("--registry", configure_docker_options.registries,
                                 "Only this registry, as a credHelpers entry (repeatable)")
        ->type_name("REGISTRY");
    configure_docker->add_flag("--undo", configure_docker_options.undo, "Remove what keyhold added, and only that");
    ConfigureOptions configure_containers_options;
    CLI::App* configure_containers = configure->add_subcommand(
        "containers",
        "Name keyhold in the credHelpers of podman/buildah/skopeo's auth.json for every registry it serves; "
        "`keyhold sync` keeps the list current");
    configure_containers->add_option("--registry", configure_containers_options.registries,
                                     "Also this registry, whatever the store holds (repeatable)")
        ->type_name("REGISTRY");
    configure_containers->add_flag("--undo", configure_containers_options.undo,
                                   "Remove what keyhold added, and only that");

    ImportOptions import_options;
    CLI::App* import = app.add_subcommand(
        "import",
        "Move the plaintext credentials of docker's config.json, podman's auth.json and git's credential files "
        "into the store");
    import->add_flag("--dry-run", import_options.dry_run, "List what would move (no secrets), change nothing");

    SourceAddOptions source_add_options;
    std::string source_to_remove;
    CLI::App* source = app.add_subcommand("source", "Manage the org sources `keyhold sync` pulls from");
    source->require_subcommand(1);
    CLI::App* source_add = source->add_subcommand("add", "Add a source; its API token is read from stdin or a prompt");
    source_add->add_option("name", source_add_options.name, "A name for the source")->required();
    source_add->add_option("--type", source_add_options.type, source_type_help())
        ->required()
        ->check(source_type_check());
    source_add->add_option("--url", source_add_options.url, "The API's base URL (https)")->required();
    source_add->add_option("--ca-file", source_add_options.ca_file, "PEM file of a private CA for the API");
    source_add->add_option("--git-host", source_add_options.git_hosts,
                           "A git host the org's gitCredentials answer for (repeatable)");
    source_add->add_option("--max-age", source_add_options.max_age,
                           "Stop serving this source's credentials when its last sync is older (e.g. 7d)");
    CLI::App* source_list = source->add_subcommand("list", "List the sources and their last sync");
    CLI::App* source_remove = source->add_subcommand("remove", "Remove a source and everything it synced");
    source_remove->add_option("name", source_to_remove, "The source")->required();

    SyncOptions sync_options;
    CLI::App* sync = app.add_subcommand("sync", "Pull every source's credentials (or one source's) into the store");
    sync->add_option("source", sync_options.source, "Only this source");
    sync->add_option("--if-older-than", sync_options.if_older_than,
                     "Skip sources whose last successful sync is more recent (for timers, e.g. 1h)");
    sync->add_option("--timeout", sync_options.timeout,
                     "Give up on a source after this long, retries and waits included (default 2m, at most 1d)");

    std::string secret_name;
    CLI::App* secret = app.add_subcommand("secret", "Build secrets from the org (never served to docker or git)");
    secret->require_subcommand(1);
    CLI::App* secret_get = secret->add_subcommand("get", "Print one build secret's value (no newline)");
    secret_get->add_option("name", secret_name, "The secret")->required();
    CLI::App* secret_list = secret->add_subcommand("list", "List the build secrets (values shown as ***)");

    ExecOptions exec_options;
    CLI::App* exec = app.add_subcommand("exec", "Run a command with build secrets in its environment only");
    exec->add_option("--secret", exec_options.secrets, "A build secret to pass (repeatable)");
    exec->add_flag("--all-secrets", exec_options.all_secrets,
                   "Pass every build secret (but those named like LD_PRELOAD, BASH_ENV or PATH)");
    // Everything after the options (and an optional --) is the command, its own options included.
    exec->prefix_command();
    exec->formatter(std::make_shared<ExecUsage>());

    AgentOptions agent_options;
    CLI::App* agent = app.add_subcommand(
        "agent", "Serve get for allowed registries and git hosts on a Unix socket until a TTL (docs/agent.md)");
    agent->add_option("--socket", agent_options.socket, "The Unix socket to create (owner-only)")->required();
    agent
        ->add_option("--allow", agent_options.allow,
                     "A registry or git host it serves: HOST[:PORT][/PATH] (repeatable, at least one)")
        ->required();
    agent->add_option("--allow-uid", agent_options.allow_uids,
                      "Another uid it answers beside its own user's, e.g. 0 for a rootful container (repeatable)");
    agent->add_option("--ttl", agent_options.ttl, "Stop after this long (default 2h, at most 24h; e.g. 90s, 30m)");

    if (argc >= 2 && argv[1][0] != '-') {
        const std::string command = argv[1];
        const auto subcommands = std::as_const(app).get_subcommands(
            [&](const CLI::App* candidate) { return candidate->get_name() == command; });
        if (subcommands.empty()) {
            std::cerr << "keyhold: unknown command '" << command << "' (see `keyhold --help`)\n";
            return 2;
        }
    }
    // `keyhold exec [OPTIONS] -- COMMAND ...`: everything after the first -- is the command,
    // whatever options it has; CLI11 sees only what comes before.
    if (argc >= 2 && std::string_view(argv[1]) == "exec") {
        for (int i = 2; i < argc; ++i) {
            if (std::string_view(argv[i]) == "--") {
                exec_options.command.assign(argv + i + 1, argv + argc);
                argc = i;
                break;
            }
        }
    }
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& error) {
        if (error.get_exit_code() == 0) {
            return app.exit(error);  // --help, --version
        }
        std::cerr << "keyhold: " << error.what() << " (see `" << help_command(app) << "`)\n";
        return 2;
    }

    if (init->parsed()) {
        return report(run_init(init_options, settings));
    }
    if (status->parsed()) {
        return report(run_status(settings));
    }
    if (lock->parsed()) {
        return report(run_lock(settings));
    }
    if (unlock->parsed()) {
        return report(run_unlock(settings));
    }
    if (doctor->parsed()) {
        return report(run_doctor(settings));
    }
    if (rekey->parsed()) {
        return report(run_rekey(rekey_options, settings));
    }
    if (configure_git->parsed()) {
        return report(run_configure_git(unconfigure_git));
    }
    if (configure_docker->parsed()) {
        return report(run_configure_docker(configure_docker_options, settings));
    }
    if (configure_containers->parsed()) {
        return report(run_configure_containers(configure_containers_options, settings));
    }
    if (import->parsed()) {
        return report(run_import(import_options, settings));
    }
    if (source_add->parsed()) {
        return report(run_source_add(source_add_options, settings));
    }
    if (source_list->parsed()) {
        return report(run_source_list(settings));
    }
    if (source_remove->parsed()) {
        return report(run_source_remove(source_to_remove, settings));
    }
    if (sync->parsed()) {
        return report(run_sync(sync_options, settings));
    }
    if (secret_get->parsed()) {
        return report(run_secret_get(secret_name, settings));
    }
    if (secret_list->parsed()) {
        return report(run_secret_list(settings));
    }
    if (agent->parsed()) {
        return report(run_agent(agent_options, settings));
    }
    if (exec->parsed()) {
        if (exec_options.command.empty()) {
            exec_options.command = exec->remaining();  // the form without --
        }
        return report(run_exec(exec_options, settings));
    }
    return 2;
}

}  // namespace keyhold::cli
