#include "keyhold/cli/keyhold_cli.hpp"

#include <CLI/CLI.hpp>

#include <iostream>
#include <utility>

#include "commands.hpp"
#include "keyhold/platform/key_protector.hpp"
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

std::string protector_list() {
    std::string names;
    for (std::string_view name : platform::known_protector_names()) {
        names += (names.empty() ? "" : "|") + std::string(name);
    }
    return names;
}

}  // namespace

int run_keyhold(int argc, char** argv) {
    CLI::App app("keyhold: one encrypted store of the org's registry and git credentials", "keyhold");
    app.set_version_flag("--version", std::string(kVersion));
    app.require_subcommand(1);

    InitOptions init_options;
    CLI::App* init = app.add_subcommand("init", "Create the encrypted store (in $KEYHOLD_HOME, else the data dir)");
    init->add_option("--backend", init_options.backend,
                     "Who protects the store's key: " + protector_list() + " (default: the OS keychain)")
        ->type_name("NAME");

    CLI::App* status = app.add_subcommand("status", "Show the store, its key protector and what it holds");

    CLI::App* configure = app.add_subcommand("configure", "Point a client at keyhold");
    configure->require_subcommand(1);
    bool unconfigure_git = false;
    CLI::App* configure_git = configure->add_subcommand("git", "Set git's credential.helper to keyhold (--global)");
    configure_git->add_flag("--unconfigure", unconfigure_git, "Remove keyhold from git's credential.helper");

    if (argc >= 2 && argv[1][0] != '-') {
        const std::string command = argv[1];
        const auto subcommands = std::as_const(app).get_subcommands(
            [&](const CLI::App* candidate) { return candidate->get_name() == command; });
        if (subcommands.empty()) {
            std::cerr << "keyhold: unknown command '" << command << "' (see `keyhold --help`)\n";
            return 2;
        }
    }
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& error) {
        if (error.get_exit_code() == 0) {
            return app.exit(error);  // --help, --version
        }
        std::cerr << "keyhold: " << error.what() << " (see `keyhold --help`)\n";
        return 2;
    }

    if (init->parsed()) {
        return report(run_init(init_options));
    }
    if (status->parsed()) {
        return report(run_status());
    }
    if (configure_git->parsed()) {
        return report(run_configure_git(unconfigure_git));
    }
    return 2;
}

}  // namespace keyhold::cli
