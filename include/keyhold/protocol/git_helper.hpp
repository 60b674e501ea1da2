#pragma once
// git-credential-keyhold: git's credential-helper protocol (gitcredentials(7)).

#include <span>
#include <string_view>

#include "keyhold/protocol/helper_streams.hpp"
#include "keyhold/settings.hpp"

namespace keyhold::protocol {

// Runs one operation (argv[1]: get, store or erase) and returns the process exit code.
int run_git_helper(std::span<const std::string_view> args, const HelperStreams& streams, const Settings& settings);

}  // namespace keyhold::protocol
