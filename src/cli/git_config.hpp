#pragma once
// Reading git's configuration through `git config`, as git itself applies it.

#include <string>
#include <vector>

#include "keyhold/error.hpp"

namespace keyhold::cli {

// The values `git config -z ARGUMENTS...` prints, NUL-separated (a value may span lines);
// none when nothing is set. Fails when git cannot run or reports an error.
Result<std::vector<std::string>> git_config_values(const std::vector<std::string>& arguments);

}  // namespace keyhold::cli
