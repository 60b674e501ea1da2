// Who connected to the agent, from the kernel: SO_PEERCRED (socket(7)) holds the pid and uid
// of the process that called connect(), which the peer cannot forge.

#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "keyhold/platform/unix_socket.hpp"

namespace keyhold::platform {

Result<PeerCredentials> peer_credentials(const Socket& connection) {
    ucred credentials{};
    socklen_t size = sizeof credentials;
    if (::getsockopt(connection.fd(), SOL_SOCKET, SO_PEERCRED, &credentials, &size) != 0 ||
        size != sizeof credentials) {
        return fail(std::string("cannot tell who connected (SO_PEERCRED): ") + std::strerror(errno));
    }
    return PeerCredentials{credentials.pid, static_cast<std::uint32_t>(credentials.uid)};
}

}  // namespace keyhold::platform
