#pragma once

namespace keyhold::cli {

// The `keyhold` admin command: parses argv, runs one subcommand, returns the exit code.
int run_keyhold(int argc, char** argv);

}  // namespace keyhold::cli
