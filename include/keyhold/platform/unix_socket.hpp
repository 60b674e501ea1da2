#pragma once
// Unix-domain sockets for `keyhold agent` and the helpers' client mode (docs/agent.md). One
// implementation for POSIX systems (posix/unix_socket.cpp), the peer's credentials per OS
// (linux/peer_credentials.cpp: SO_PEERCRED; macos/: getpeereid and LOCAL_PEERPID), and one for
// Windows that refuses (windows/unix_socket.cpp): keyhold has no agent there.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string_view>

#include "keyhold/crypto/secure_buffer.hpp"
#include "keyhold/error.hpp"

namespace keyhold::platform {

using Deadline = std::chrono::steady_clock::time_point;

// Owns a socket descriptor.
class Socket {
public:
    Socket() = default;
    explicit Socket(int fd) : fd_(fd) {}
    Socket(Socket&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
    Socket& operator=(Socket&& other) noexcept;
    Socket(const Socket&) = delete;
    Socket& operator=(const Socket&) = delete;
    ~Socket();

    int fd() const { return fd_; }
    bool valid() const { return fd_ >= 0; }

private:
    int fd_ = -1;
};

// Listens on `path`, created owner-only (0600, whatever the umask). A stale socket file that no
// process listens on any more is replaced; a live one (another agent), or anything that is not a
// socket, is refused.
Result<Socket> listen_on_unix_socket(const std::filesystem::path& path);

// Connects to the socket at `path`, giving up at `deadline`.
Result<Socket> connect_to_unix_socket(const std::filesystem::path& path, Deadline deadline);

// Who is at the other end of an accepted connection, as the kernel saw it at connect().
struct PeerCredentials {
    std::int64_t pid = -1;  // -1 where the OS does not say
    std::uint32_t uid = 0;
};
Result<PeerCredentials> peer_credentials(const Socket& connection);

std::uint32_t current_user_id();

// What waiting on the listener gave: a connection, or the stop descriptor became readable, or
// the deadline came. With an invalid `listener` (a server at its thread cap) it waits for the stop
// descriptor or the deadline only, and connections stay queued in the backlog.
struct Accepted {
    std::optional<Socket> connection;
    bool stop_requested = false;
};
Result<Accepted> accept_connection(const Socket& listener, int stop_fd, Deadline deadline);

// One read of up to `buffer.size()` bytes, waiting until `deadline`: the count, 0 at the end.
Result<std::size_t> receive_some(const Socket& connection, std::span<unsigned char> buffer, Deadline deadline);
// All of `bytes`, by `deadline`; a peer that went away is an error, never SIGPIPE.
Result<void> send_all(const Socket& connection, std::string_view bytes, Deadline deadline);
// No more writes from this end (the peer reads the end of input).
void shut_down_writes(const Socket& connection);

// SIGTERM and SIGINT make stop_fd() readable instead of ending the process; SIGPIPE is ignored
// (a client that went away is an error on its connection, not the agent's end). One per process.
class StopSignals {
public:
    static Result<StopSignals> install();
    int stop_fd() const { return read_fd_; }
    StopSignals(StopSignals&& other) noexcept : read_fd_(other.read_fd_) { other.read_fd_ = -1; }
    StopSignals(const StopSignals&) = delete;
    StopSignals& operator=(const StopSignals&) = delete;
    StopSignals& operator=(StopSignals&&) = delete;
    ~StopSignals();

private:
    explicit StopSignals(int read_fd) : read_fd_(read_fd) {}
    int read_fd_ = -1;
};

// Removes the socket file at `path` if it is still a socket (not whatever replaced it) and no
// process listens on it (not another agent's); call it once the listener is closed.
void remove_socket_file(const std::filesystem::path& path);

}  // namespace keyhold::platform
