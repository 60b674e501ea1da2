// `keyhold configure git`: point git's credential.helper at keyhold for this user, as
// gitcredentials(7) shows (`git config --global credential.helper NAME`), and take it back.

#include <algorithm>
#include <iterator>
#include <iostream>

#include "commands.hpp"
#include "git_config.hpp"
#include "plaintext_sources.hpp"
#include "keyhold/encoding/display_text.hpp"
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

// is_git_store_helper's values as written unquoted, for `git config --unset-all` (POSIX extended
// regex; the tabs are literal). A quoted one is left, and then reported as still in use.
constexpr const char* kStoreHelperPattern = "^(store|([^ \t]*/)?git-credential-store)([ \t]|$)";

}  // namespace

Result<void> remove_git_store_helpers() {
    auto helpers = configured_helpers();
    if (!helpers) {
        return std::unexpected(helpers.error());
    }
    std::vector<std::string> removed_helpers;
    std::copy_if(helpers->begin(), helpers->end(), std::back_inserter(removed_helpers), is_git_store_helper);
    if (!removed_helpers.empty()) {
        if (auto removed = git_config({"--unset-all", "credential.helper", kStoreHelperPattern}); !removed) {
            return removed;
        }
        auto after = configured_helpers();
        if (!after) {
            return std::unexpected(after.error());
        }
        for (const std::string& helper : removed_helpers) {
            if (std::find(after->begin(), after->end(), helper) != after->end()) {
                continue;  // quoted: the pattern does not take it; reported below
            }
            std::cout << "git no longer uses its `store` helper (credential.helper = " << encoding::printable(helper, 200)
                      << "), which would write every password git uses back to its file in plain text\n";
        }
    }
    // One in the system's or a repository's configuration, or an included file, which keyhold
    // does not edit, would put the passwords just moved back in plain text at git's next use.
    auto everywhere = git_config_values({"--get-all", "credential.helper"});
    if (!everywhere) {
        return std::unexpected(everywhere.error());
    }
    const auto left = std::find_if(everywhere->begin(), everywhere->end(), is_git_store_helper);
    if (left != everywhere->end()) {
        return fail("git still uses credential.helper = " + encoding::printable(*left, 200) +
                    ", which keyhold cannot remove (`git config --show-origin --get-all credential.helper` names "
                    "the file that sets it) and which writes every password git uses back to its file in plain "
                    "text: remove it there");
    }
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
            std::cout << ' ' << encoding::printable(helper, 200);
        }
        std::cout << "\n";
    }
    return {};
}

}  // namespace keyhold::cli
