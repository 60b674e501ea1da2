#pragma once
// Which build secrets `keyhold exec` may put into a command's environment. The org chooses
// the names, and some names are instructions rather than data: LD_PRELOAD loads code into
// every program, BASH_ENV is a script bash runs first, PATH decides which program runs at all.
// A build secret with such a name is never exported, whoever defined it and however it was
// asked for (docs/org-sync.md, "Build secrets").

#include <optional>
#include <string_view>

namespace keyhold::cli {

// Why a variable called `name` must not come from a build secret, or nullopt when it may.
std::optional<std::string_view> why_never_exported(std::string_view name);

}  // namespace keyhold::cli
