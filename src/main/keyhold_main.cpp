#include <exception>
#include <iostream>

#include "keyhold/cli/keyhold_cli.hpp"
#include "keyhold/platform/process.hpp"

int main(int argc, char** argv) {
    keyhold::platform::harden_process();
    try {
        return keyhold::cli::run_keyhold(argc, argv);
    } catch (const std::exception& error) {
        std::cerr << "keyhold: internal error: " << error.what() << '\n';
        return 70;
    }
}
