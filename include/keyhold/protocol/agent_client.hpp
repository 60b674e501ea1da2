#pragma once
// The helpers' client mode (docs/agent.md): with KEYHOLD_AGENT_SOCK set, docker-credential-keyhold
// and git-credential-keyhold open no store and need no key; they forward their verb and stdin to
// the keyhold agent on that socket and relay its answer (stdout, stderr, exit code) as their own.

#include <span>
#include <string_view>

#include "keyhold/protocol/helper_streams.hpp"
#include "keyhold/settings.hpp"

namespace keyhold::protocol {

// get, list (never reads stdin), erase and store go to the agent (which refuses the last two);
// version, help and anything else are answered here as run_docker_helper answers them.
int run_docker_agent_client(std::span<const std::string_view> args, const HelperStreams& streams,
                            const Settings& settings);

// get goes to the agent; store and erase, which git runs after every credential that worked or
// failed, end here in silence and exit 0; the rest as run_git_helper answers it.
int run_git_agent_client(std::span<const std::string_view> args, const HelperStreams& streams,
                         const Settings& settings);

}  // namespace keyhold::protocol
