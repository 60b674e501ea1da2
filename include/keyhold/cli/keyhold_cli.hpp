#pragma once

#include "keyhold/settings.hpp"

namespace keyhold::cli {

// The `keyhold` admin command: parses argv, runs one subcommand with `settings` (the main's,
// settings_from_environment()), returns the exit code.
int run_keyhold(int argc, char** argv, const Settings& settings);

}  // namespace keyhold::cli
