// Unix-domain sockets on POSIX systems (unix_socket.hpp). Every descriptor here is
// non-blocking and waited on with poll() against a deadline, so that a client that sends
// nothing, or an agent that never answers, costs a bounded wait and never a hang.

#include "keyhold/platform/unix_socket.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <thread>

#include "system_error.hpp"

namespace keyhold::platform {
namespace {

int stop_write_fd = -1;  // written by the signal handler: one per process (StopSignals)

Result<sockaddr_un> address_of(const std::filesystem::path& path) {
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    const std::string& text = path.native();
    if (text.empty() || text.size() >= sizeof address.sun_path) {
        return fail("the socket path " + text + " is " + std::to_string(text.size()) +
                    " bytes long; a Unix-domain socket's path must be 1 to " +
                    std::to_string(sizeof address.sun_path - 1) + ": choose a shorter one");
    }
    std::memcpy(address.sun_path, text.c_str(), text.size() + 1);
    return address;
}

Result<Socket> new_socket(const std::filesystem::path& path) {
    Socket socket(::socket(AF_UNIX, SOCK_STREAM, 0));
    if (!socket.valid()) {
        return std::unexpected(system_error("create a socket for", path));
    }
    // Not inherited by what a helper or the agent might start; never blocking (see above).
    if (::fcntl(socket.fd(), F_SETFD, FD_CLOEXEC) != 0 ||
        ::fcntl(socket.fd(), F_SETFL, ::fcntl(socket.fd(), F_GETFL) | O_NONBLOCK) != 0) {
        return std::unexpected(system_error("set up the socket for", path));
    }
    return socket;
}

int milliseconds_until(Deadline deadline) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    return left.count() <= 0 ? 0 : static_cast<int>(std::min<long long>(left.count(), 60'000));
}

// Waits for `events` on `fd` until `deadline`: true when ready, false when the time is up.
Result<bool> wait_for(int fd, short events, Deadline deadline) {
    for (;;) {
        pollfd entry{fd, events, 0};
        const int timeout = milliseconds_until(deadline);
        const int ready = ::poll(&entry, 1, timeout);
        if (ready > 0) {
            return true;
        }
        if (ready < 0 && errno != EINTR) {
            return fail(std::string("cannot wait on a socket: ") + std::strerror(errno));
        }
        if (ready == 0 && timeout == 0) {
            return false;
        }
    }
}

// Whether a process listens on the socket file at `path` (a connection is accepted).
bool someone_listens(const sockaddr_un& address) {
    const int probe = ::socket(AF_UNIX, SOCK_STREAM, 0);
    if (probe < 0) {
        return false;
    }
    const bool listening =
        ::connect(probe, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0 || errno == EAGAIN;
    ::close(probe);
    return listening;
}

void on_stop_signal(int) {
    const int saved = errno;
    const char byte = 's';
    (void)!::write(stop_write_fd, &byte, 1);
    errno = saved;
}

}  // namespace

Socket& Socket::operator=(Socket&& other) noexcept {
    if (this != &other) {
        if (fd_ >= 0) {
            ::close(fd_);
        }
        fd_ = other.fd_;
        other.fd_ = -1;
    }
    return *this;
}

Socket::~Socket() {
    if (fd_ >= 0) {
        ::close(fd_);
    }
}

Result<Socket> listen_on_unix_socket(const std::filesystem::path& path) {
    auto address = address_of(path);
    if (!address) {
        return std::unexpected(address.error());
    }
    struct stat existing {};
    if (::lstat(path.c_str(), &existing) == 0) {
        if (!S_ISSOCK(existing.st_mode)) {
            return fail(path.string() + " exists and is not a socket: remove it or choose another --socket path");
        }
        if (someone_listens(*address)) {
            return fail("another process (a keyhold agent?) already listens on " + path.string() +
                        ": stop it or choose another --socket path");
        }
        // A socket file left by an agent that was killed: nobody is behind it any more.
        if (::unlink(path.c_str()) != 0) {
            return std::unexpected(system_error("remove the stale socket", path));
        }
    } else if (errno != ENOENT) {
        return std::unexpected(system_error("look at", path));
    }
    auto socket = new_socket(path);
    if (!socket) {
        return std::unexpected(socket.error());
    }
    // Owner-only from the moment the file exists (bind creates it with the umask): there is no
    // window in which another user could connect. The agent is single-threaded while it starts.
    const mode_t saved_umask = ::umask(0177);
    const int bound = ::bind(socket->fd(), reinterpret_cast<const sockaddr*>(&*address), sizeof *address);
    const int bind_errno = errno;
    ::umask(saved_umask);
    if (bound != 0) {
        return std::unexpected(system_error("create the socket", path, bind_errno));
    }
    struct stat created {};
    if (::chmod(path.c_str(), 0600) != 0 || ::lstat(path.c_str(), &created) != 0 || !S_ISSOCK(created.st_mode) ||
        created.st_uid != ::geteuid() || (created.st_mode & 07777) != 0600) {
        ::unlink(path.c_str());
        return fail("cannot make the socket " + path.string() + " owner-only (mode 0600)");
    }
    if (::listen(socket->fd(), 64) != 0) {
        ::unlink(path.c_str());
        return std::unexpected(system_error("listen on", path));
    }
    return socket;
}

Result<Socket> connect_to_unix_socket(const std::filesystem::path& path, Deadline deadline) {
    auto address = address_of(path);
    if (!address) {
        return std::unexpected(address.error());
    }
    auto socket = new_socket(path);
    if (!socket) {
        return std::unexpected(socket.error());
    }
    for (;;) {
        if (::connect(socket->fd(), reinterpret_cast<const sockaddr*>(&*address), sizeof *address) == 0) {
            return socket;
        }
        if (errno == EINTR) {
            continue;
        }
        // A full backlog (Linux says EAGAIN): the agent is busy; try again until the deadline.
        if (errno == EAGAIN && std::chrono::steady_clock::now() < deadline) {
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
            continue;
        }
        if (errno == EINPROGRESS) {  // macOS may finish it later
            auto ready = wait_for(socket->fd(), POLLOUT, deadline);
            int error = 0;
            socklen_t size = sizeof error;
            if (ready && *ready && ::getsockopt(socket->fd(), SOL_SOCKET, SO_ERROR, &error, &size) == 0 && error == 0) {
                return socket;
            }
            return std::unexpected(system_error("connect to", path, ready && *ready ? error : ETIMEDOUT));
        }
        return std::unexpected(system_error("connect to", path));
    }
}

std::uint32_t current_user_id() { return static_cast<std::uint32_t>(::geteuid()); }

Result<Accepted> accept_connection(const Socket& listener, int stop_fd, Deadline deadline) {
    for (;;) {
        pollfd entries[2] = {{listener.fd(), POLLIN, 0}, {stop_fd, POLLIN, 0}};
        const int timeout = milliseconds_until(deadline);
        const int ready = ::poll(entries, stop_fd >= 0 ? 2 : 1, timeout);
        if (ready < 0 && errno != EINTR) {
            return fail(std::string("cannot wait for connections: ") + std::strerror(errno));
        }
        if (ready > 0 && stop_fd >= 0 && (entries[1].revents & POLLIN) != 0) {
            return Accepted{std::nullopt, true};
        }
        if (ready > 0 && (entries[0].revents & POLLIN) != 0) {
            Socket connection(::accept(listener.fd(), nullptr, nullptr));
            if (!connection.valid()) {
                // Out of descriptors: the connection stays queued and poll() says so at once;
                // a pause keeps that from spinning until a request in flight ends.
                if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
                    std::this_thread::sleep_for(std::chrono::milliseconds(50));
                }
                // Else gone before we took it (ECONNABORTED), or taken already: wait again.
                continue;
            }
            if (::fcntl(connection.fd(), F_SETFD, FD_CLOEXEC) != 0 ||
                ::fcntl(connection.fd(), F_SETFL, ::fcntl(connection.fd(), F_GETFL) | O_NONBLOCK) != 0) {
                continue;
            }
            return Accepted{std::move(connection), false};
        }
        if (ready == 0 && timeout == 0) {
            return Accepted{};
        }
        if (ready == 0) {
            continue;  // a wait shorter than the deadline (milliseconds_until caps it)
        }
    }
}

Result<std::size_t> receive_some(const Socket& connection, std::span<unsigned char> buffer, Deadline deadline) {
    for (;;) {
        const ssize_t count = ::read(connection.fd(), buffer.data(), buffer.size());
        if (count >= 0) {
            return static_cast<std::size_t>(count);
        }
        if (errno == EINTR) {
            continue;
        }
        // A peer that died with our bytes unread (an agent killed before it accepted) resets the
        // connection: for the reader that is the end of input, as if it had closed.
        if (errno == ECONNRESET) {
            return std::size_t{0};
        }
        if (errno != EAGAIN && errno != EWOULDBLOCK) {
            return fail(std::string("cannot read from the socket: ") + std::strerror(errno));
        }
        auto ready = wait_for(connection.fd(), POLLIN, deadline);
        if (!ready) {
            return std::unexpected(ready.error());
        }
        if (!*ready) {
            return fail("timed out waiting for the other end of the socket");
        }
    }
}

Result<void> send_all(const Socket& connection, std::string_view bytes, Deadline deadline) {
    while (!bytes.empty()) {
        // MSG_NOSIGNAL: a reader that went away is EPIPE here, not SIGPIPE for the process
        // (a client helper has no handler for it).
        const ssize_t count = ::send(connection.fd(), bytes.data(), bytes.size(), MSG_NOSIGNAL);
        if (count > 0) {
            bytes.remove_prefix(static_cast<std::size_t>(count));
            continue;
        }
        if (count < 0 && errno == EINTR) {
            continue;
        }
        if (count < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
            return fail(std::string("cannot write to the socket: ") + std::strerror(errno));
        }
        auto ready = wait_for(connection.fd(), POLLOUT, deadline);
        if (!ready) {
            return std::unexpected(ready.error());
        }
        if (!*ready) {
            return fail("timed out writing to the socket");
        }
    }
    return {};
}

void shut_down_writes(const Socket& connection) { ::shutdown(connection.fd(), SHUT_WR); }

Result<StopSignals> StopSignals::install() {
    int fds[2];
    if (::pipe(fds) != 0) {
        return fail(std::string("cannot create a pipe for stop signals: ") + std::strerror(errno));
    }
    for (const int fd : fds) {
        (void)::fcntl(fd, F_SETFD, FD_CLOEXEC);
        (void)::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
    }
    stop_write_fd = fds[1];
    struct sigaction action {};
    action.sa_handler = on_stop_signal;
    sigemptyset(&action.sa_mask);
    ::sigaction(SIGTERM, &action, nullptr);
    ::sigaction(SIGINT, &action, nullptr);
    struct sigaction ignore {};
    ignore.sa_handler = SIG_IGN;
    sigemptyset(&ignore.sa_mask);
    ::sigaction(SIGPIPE, &ignore, nullptr);
    return StopSignals(fds[0]);
}

StopSignals::~StopSignals() {
    if (read_fd_ >= 0) {
        ::close(read_fd_);  // the write end stays for a late signal's handler
    }
}

void remove_socket_file(const std::filesystem::path& path) {
    struct stat existing {};
    if (::lstat(path.c_str(), &existing) != 0 || !S_ISSOCK(existing.st_mode) || existing.st_uid != ::geteuid()) {
        return;
    }
    // Our listener is closed by now: a process that listens there is another agent that took
    // the path after our socket file went (removed by hand or by tmpfiles), and keeps it.
    if (auto address = address_of(path); address && someone_listens(*address)) {
        return;
    }
    ::unlink(path.c_str());
}

}  // namespace keyhold::platform
