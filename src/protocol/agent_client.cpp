#include "keyhold/protocol/agent_client.hpp"

#include <string>

#include "helper_support.hpp"
#include "keyhold/agent/client.hpp"
#include "keyhold/protocol/docker_helper.hpp"
#include "keyhold/protocol/git_helper.hpp"

namespace keyhold::protocol {
namespace {

// Relays the agent's answer; an answer that cannot be written is a failure, as in the helpers.
int relay(const agent::Answer& answer, const HelperStreams& streams) {
    const bool written =
        platform::write_all(streams.out_fd, answer.out) && platform::write_all(streams.err_fd, answer.err);
    return written ? answer.exit_code : 1;
}

// One request to the agent; on failure the one line goes where the client reads errors.
int forward(agent::Protocol protocol, std::string_view verb, std::string_view body, const HelperStreams& streams,
            const Settings& settings) {
    auto reply = agent::ask_agent(*settings.agent_socket, protocol, verb, body);
    if (!reply) {
        if (protocol == agent::Protocol::docker) {
            (void)platform::write_all(streams.out_fd, reply.error().message + "\n");
        } else {
            (void)platform::write_all(streams.err_fd, "git-credential-keyhold: " + reply.error().message + "\n");
        }
        return 1;
    }
    return relay(reply->answer, streams);
}

}  // namespace

int run_docker_agent_client(std::span<const std::string_view> args, const HelperStreams& streams,
                            const Settings& settings) {
    const std::string_view verb = args.size() == 2 ? args[1] : std::string_view();
    if (verb == "list") {
        return forward(agent::Protocol::docker, verb, {}, streams, settings);  // never reads stdin
    }
    if (verb == "get" || verb == "erase" || verb == "store") {
        auto input = read_request(streams, verb == "store" ? kMaxDockerRequestBytes : agent::kMaxRequestBodyBytes);
        if (!input) {
            (void)platform::write_all(streams.out_fd, input.error().message + "\n");
            return 1;
        }
        // store's body holds a secret the agent would refuse anyway: it never leaves this process.
        return forward(agent::Protocol::docker, verb, verb == "store" ? std::string_view() : input->text(), streams,
                       settings);
    }
    return run_docker_helper(args, streams, settings);  // version, help, usage: no store involved
}

int run_git_agent_client(std::span<const std::string_view> args, const HelperStreams& streams,
                         const Settings& settings) {
    const std::string_view operation = args.size() == 2 ? args[1] : std::string_view();
    if (operation == "get") {
        auto input = read_request(streams, agent::kMaxRequestBodyBytes);
        if (!input) {
            (void)platform::write_all(streams.err_fd, "git-credential-keyhold: " + input.error().message + "\n");
            return 1;
        }
        return forward(agent::Protocol::git, operation, input->text(), streams, settings);
    }
    if (operation == "store" || operation == "erase") {
        // Read (so git never meets a closed pipe) and dropped: the agent keeps nothing.
        (void)read_request(streams, kMaxGitRequestBytes);
        return 0;
    }
    return run_git_helper(args, streams, settings);  // help, usage, unknown operations: no store involved
}

}  // namespace keyhold::protocol
