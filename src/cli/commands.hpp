#pragma once
// One function per `keyhold` subcommand; keyhold_cli.cpp wires them to the command line.

#include <optional>
#include <string>

#include "keyhold/error.hpp"

namespace keyhold::cli {

struct InitOptions {
    std::optional<std::string> backend;  // the platform default when absent
};
Result<void> run_init(const InitOptions& options);

// Prints what `keyhold status` shows; fails when the store cannot be opened.
Result<void> run_status();

// Adds keyhold to the user's git credential.helper list, or removes it.
Result<void> run_configure_git(bool unconfigure);

}  // namespace keyhold::cli
