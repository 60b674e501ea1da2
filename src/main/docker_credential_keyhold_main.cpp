#include <cstdlib>
#include <exception>
#include <string_view>
#include <vector>

#include "keyhold/platform/files.hpp"
#include "keyhold/platform/process.hpp"
#include "keyhold/protocol/docker_helper.hpp"

int main(int argc, char** argv) {
    keyhold::platform::harden_process();
    try {
        const std::vector<std::string_view> args(argv, argv + argc);
        const char* debug = std::getenv("KEYHOLD_DEBUG");
        keyhold::protocol::HelperStreams streams;
        streams.debug = debug != nullptr && *debug != '\0' && std::string_view(debug) != "0";
        return keyhold::protocol::run_docker_helper(args, streams);
    } catch (const std::exception& error) {
        // Clients read errors from stdout.
        (void)keyhold::platform::write_all(keyhold::platform::kStandardOutput, std::string("keyhold internal error: ") + error.what() + "\n");
        return 1;
    }
}
