#include <exception>
#include <iostream>

#include "keyhold/cli/keyhold_cli.hpp"
#include "keyhold/platform/process.hpp"
#include "keyhold/settings.hpp"
#include "keyhold/store/store.hpp"

int main(int argc, char** argv) {
    keyhold::platform::harden_process();
    try {
        const keyhold::Settings settings = keyhold::settings_from_environment();
        // The detached copy that records a write's generation (store.hpp).
        if (const auto recorded = keyhold::store::run_as_generation_recorder(argc, argv, settings.key_cache_lifetime)) {
            return *recorded;
        }
        const int status = keyhold::cli::run_keyhold(argc, argv, settings);
        // What a command printed is its answer: one that did not reach stdout (a full disk, a
        // closed pipe) is a failure, never exit 0.
        if (!std::cout.flush()) {
            std::cerr << "keyhold: cannot write to standard output\n";
            return status == 0 ? 1 : status;
        }
        return status;
    } catch (const std::exception& error) {
        std::cerr << "keyhold: internal error: " << error.what() << '\n';
        return 70;  // EX_SOFTWARE, as the helpers (protocol/helper_streams.hpp)
    }
}
