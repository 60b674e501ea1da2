#include <exception>
#include <string>
#include <string_view>
#include <vector>

#include "keyhold/platform/files.hpp"
#include "keyhold/platform/process.hpp"
#include "keyhold/protocol/agent_client.hpp"
#include "keyhold/protocol/docker_helper.hpp"
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
        const std::vector<std::string_view> args(argv, argv + argc);
        // Client mode (docs/agent.md): no store, no key, the agent on KEYHOLD_AGENT_SOCK answers.
        if (settings.agent_socket) {
            return keyhold::protocol::run_docker_agent_client(args, keyhold::protocol::HelperStreams{}, settings);
        }
        return keyhold::protocol::run_docker_helper(args, keyhold::protocol::HelperStreams{}, settings);
    } catch (const std::exception& error) {
        // Clients read errors from stdout (helper_streams.hpp, kInternalErrorExitCode).
        (void)keyhold::platform::write_all(keyhold::platform::kStandardOutput,
                                           std::string("keyhold internal error: ") + error.what() + "\n");
        return keyhold::protocol::kInternalErrorExitCode;
    }
}
