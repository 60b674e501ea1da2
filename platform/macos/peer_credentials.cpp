// Who connected to the agent, from the kernel: getpeereid(3) for the uid, LOCAL_PEERPID
// (sys/un.h) for the pid. Not built or run by this project's CI yet (docs/agent.md).

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "keyhold/platform/unix_socket.hpp"

namespace keyhold::platform {

Result<PeerCredentials> peer_credentials(const Socket& connection) {
    uid_t uid = 0;
    gid_t gid = 0;
    if (::getpeereid(connection.fd(), &uid, &gid) != 0) {
        return fail(std::string("cannot tell who connected (getpeereid): ") + std::strerror(errno));
    }
    pid_t pid = -1;
    socklen_t size = sizeof pid;
    if (::getsockopt(connection.fd(), SOL_LOCAL, LOCAL_PEERPID, &pid, &size) != 0) {
        pid = -1;
    }
    return PeerCredentials{pid, static_cast<std::uint32_t>(uid)};
}

}  // namespace keyhold::platform
