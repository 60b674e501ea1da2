// `keyhold configure git`: point git's credential.helper at keyhold for this user, as
// gitcredentials(7) shows (`git config --global credential.helper NAME`), and take it back.

#include <algorithm>
#include <iostream>

#include "commands.hpp"
#include "git_config.hpp"
#include "keyhold/platform/process.hpp"

namespace keyhold::cli {
namespace {

constexpr const char* kHelperName = "keyhold";

Result<std::vector<std::string>> configured_helpers() {
    return git_config_values({"--global", "--get-all", "credential.helper"});
}

Result<void> git_config(std::vector<std::string> arguments) {
    arguments.insert(arguments.begin(), {"git", "config", "--global"});
    auto ran = platform::run_program(arguments);
    if (!ran) {
        return std::unexpected(ran.error());
    }
    // --unset-all exits 5 when nothing matched: already done.
    if (ran->exit_code != 0 && !(arguments[3] == "--unset-all" && ran->exit_code == 5)) {
        return fail("`git config --global " + arguments[3] + " credential.helper` failed (exit " +
                    std::to_string(ran->exit_code) + ")");
    }
    return {};
}

// git-credential-store's entries: `store`, or `store --file PATH`.
bool is_store_helper(std::string_view helper) { return helper == "store" || helper.starts_with("store "); }

}  // namespace

Result<void> remove_git_store_helpers() {
    auto helpers = configured_helpers();
    if (!helpers) {
        return std::unexpected(helpers.error());
    }
    if (std::none_of(helpers->begin(), helpers->end(), is_store_helper)) {
        return {};
    }
    if (auto removed = git_config({"--unset-all", "credential.helper", "^store( |$)"}); !removed) {
        return removed;
    }
    std::cout << "git no longer uses its `store` helper (credential.helper = store), which would write every "
                 "password git uses back to its file in plain text; `git config --global --add credential.helper "
                 "store` brings it back\n";
    return {};
}

Result<void> run_configure_git(bool unconfigure) {
    auto helpers = configured_helpers();
    if (!helpers) {
        return std::unexpected(helpers.error());
    }
    const bool configured = std::find(helpers->begin(), helpers->end(), kHelperName) != helpers->end();
    if (unconfigure) {
        if (!configured) {
            std::cout << "git does not use keyhold; nothing to change\n";
            return {};
        }
        if (auto removed = git_config({"--unset-all", "credential.helper", "^keyhold$"}); !removed) {
            return removed;
        }
        std::cout << "git no longer asks keyhold for credentials\n";
        return {};
    }
    if (configured) {
        std::cout << "git already asks keyhold for credentials\n";
        return {};
    }
    if (auto added = git_config({"--add", "credential.helper", kHelperName}); !added) {
        return added;
    }
    std::cout << "git now asks keyhold for credentials (credential.helper = keyhold)\n";
    if (!helpers->empty()) {
        // git asks helpers in order: those configured earlier answer before keyhold.
        std::cout << "note: git asks these helpers first:";
        for (const std::string& helper : *helpers) {
            std::cout << ' ' << helper;
        }
        std::cout << "\n";
    }
    return {};
}

}  // namespace keyhold::cli
