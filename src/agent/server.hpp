#pragma once
// `keyhold agent`'s server (docs/agent.md): accepts connections on an owner-only Unix socket,
// checks each peer's uid as the kernel saw it, and answers one request per connection in a
// thread of its own, at most kMaxConnections at once, each bounded by kRequestTimeout, so that a
// client that hangs holds its own thread only and never the others'. Each answer is one log line.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <vector>

#include "allowlist.hpp"
#include "keyhold/platform/unix_socket.hpp"
#include "serve.hpp"

namespace keyhold::agent {

inline constexpr std::size_t kMaxConnections = 64;
// From accept to the last byte of the answer: a request is a few hundred bytes on a local socket.
inline constexpr std::chrono::seconds kRequestTimeout{5};
// What a peer whose uid is not allowed gets to send the request the log names (a helper sends
// it at once).
inline constexpr std::chrono::milliseconds kRefusedPeerTimeout{250};

struct ServerOptions {
    std::filesystem::path socket;
    Allowlist allowlist;
    std::vector<std::uint32_t> allowed_uids;  // beside the agent's own user
    int log_fd = 2;
};

class Server {
public:
    Server(ServerOptions options, HeldStore& held) : options_(std::move(options)), held_(held) {}

    // Creates the socket (platform::listen_on_unix_socket).
    Result<void> listen();

    enum class Ending { deadline, stop_requested };
    // Serves until `deadline` or until `stop_fd` becomes readable; then stops accepting, removes
    // the socket, finishes the requests in flight and returns why it ended.
    Result<Ending> serve_until(platform::Deadline deadline, int stop_fd);

    // One line on the log, whole (a single write under a lock, so threads never interleave).
    void log(std::string_view text);

private:
    void handle(platform::Socket connection);

    ServerOptions options_;
    HeldStore& held_;
    platform::Socket listener_;
    std::mutex log_mutex_;
};

// RFC 3339, UTC, to the second: 2026-11-26T08:15:02Z.
std::string rfc3339_now();

}  // namespace keyhold::agent
