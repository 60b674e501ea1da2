#include "keyhold/agent/client.hpp"

#include <algorithm>
#include <cstring>
#include <string>

#include "keyhold/encoding/display_text.hpp"
#include "keyhold/platform/unix_socket.hpp"

namespace keyhold::agent {
namespace {

Error about(const std::filesystem::path& socket, std::string_view what) {
    return Error{"keyhold agent at " + socket.string() + ": " + std::string(what) +
                 " (is `keyhold agent` running there, and its --ttl not over? unset KEYHOLD_AGENT_SOCK to use the "
                 "local store)"};
}

}  // namespace

Result<Reply> ask_agent(const std::filesystem::path& socket, Protocol protocol, std::string_view verb,
                        std::string_view body) {
    // git runs its helpers in the repository, docker in the build context: a relative path would
    // name a socket there, placed by whoever controls that directory, and believed.
    if (!socket.is_absolute()) {
        return fail("KEYHOLD_AGENT_SOCK '" + encoding::printable(socket.string(), 100) +
                    "' is not an absolute path: give the agent's socket as a whole path, e.g. /run/keyhold.sock");
    }
    const auto now = std::chrono::steady_clock::now();
    auto connection = platform::connect_to_unix_socket(socket, now + kConnectTimeout);
    if (!connection) {
        return std::unexpected(about(socket, connection.error().message));
    }
    const auto deadline = std::chrono::steady_clock::now() + kAnswerTimeout;
    const std::string header = format_request_header(protocol, verb, body.size());
    if (auto sent = platform::send_all(*connection, header, deadline); !sent) {
        return std::unexpected(
            about(socket, "it closed the connection before taking the request (" + sent.error().message + ")"));
    }
    if (auto sent = platform::send_all(*connection, body, deadline); !sent) {
        return std::unexpected(
            about(socket, "it closed the connection before taking the request (" + sent.error().message + ")"));
    }
    // The header first, into a small buffer; then exactly what it announces, and no more.
    crypto::SecureBuffer head(kMaxHeaderBytes);
    std::size_t have = 0;
    std::size_t header_end = std::string_view::npos;
    while (header_end == std::string_view::npos) {
        if (have == head.size()) {
            return std::unexpected(about(socket, "its answer has no header line"));
        }
        auto count = platform::receive_some(*connection, head.bytes().subspan(have), deadline);
        if (!count) {
            return std::unexpected(about(socket, count.error().message));
        }
        if (*count == 0) {
            return std::unexpected(
                about(socket, have == 0 ? "it closed the connection without answering" : "its answer was cut short"));
        }
        have += *count;
        header_end = head.text().substr(0, have).find('\n');
    }
    auto total = answer_size(head.text().substr(0, header_end));
    if (!total) {
        return std::unexpected(about(socket, total.error().message));
    }
    if (have > *total) {
        return std::unexpected(about(socket, "its answer is longer than its header says"));
    }
    Reply reply{crypto::SecureBuffer(*total), {}};
    std::memcpy(reply.bytes.data(), head.data(), have);
    while (have < *total) {
        auto count = platform::receive_some(*connection, reply.bytes.bytes().subspan(have), deadline);
        if (!count) {
            return std::unexpected(about(socket, count.error().message));
        }
        if (*count == 0) {
            return std::unexpected(about(socket, "its answer was cut short (the agent stopped or was killed)"));
        }
        have += *count;
    }
    auto answer = parse_answer(reply.bytes.text());
    if (!answer) {
        return std::unexpected(about(socket, answer.error().message));
    }
    reply.answer = *answer;
    return reply;
}

}  // namespace keyhold::agent
