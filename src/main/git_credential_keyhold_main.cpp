#include <exception>
#include <iostream>
#include <string_view>
#include <vector>

#include "keyhold/platform/process.hpp"
#include "keyhold/protocol/git_helper.hpp"
#include "keyhold/settings.hpp"

int main(int argc, char** argv) {
    keyhold::platform::harden_process();
    try {
        const keyhold::Settings settings = keyhold::settings_from_environment();
        const std::vector<std::string_view> args(argv, argv + argc);
        return keyhold::protocol::run_git_helper(args, keyhold::protocol::HelperStreams{}, settings);
    } catch (const std::exception& error) {
        // stderr: git takes whatever a helper prints on stdout for its answer (helper_streams.hpp,
        // kInternalErrorExitCode).
        std::cerr << "git-credential-keyhold: internal error: " << error.what() << '\n';
        return keyhold::protocol::kInternalErrorExitCode;
    }
}
