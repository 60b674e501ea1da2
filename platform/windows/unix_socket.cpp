// keyhold has no agent on Windows (docs/agent.md): every call says so, in one line, and the
// agent command and the helpers' client mode pass that line on.

#include "keyhold/platform/unix_socket.hpp"

namespace keyhold::platform {
namespace {

Error no_unix_sockets() {
    return Error{"keyhold agent needs a Unix-domain socket system (Linux or macOS)"};
}

}  // namespace

Socket& Socket::operator=(Socket&& other) noexcept {
    fd_ = other.fd_;
    other.fd_ = -1;
    return *this;
}
Socket::~Socket() = default;

Result<Socket> listen_on_unix_socket(const std::filesystem::path&) { return std::unexpected(no_unix_sockets()); }
Result<Socket> connect_to_unix_socket(const std::filesystem::path&, Deadline) {
    return std::unexpected(no_unix_sockets());
}
Result<PeerCredentials> peer_credentials(const Socket&) { return std::unexpected(no_unix_sockets()); }
std::uint32_t current_user_id() { return 0; }
Result<Accepted> accept_connection(const Socket&, int, Deadline) { return std::unexpected(no_unix_sockets()); }
Result<std::size_t> receive_some(const Socket&, std::span<unsigned char>, Deadline) {
    return std::unexpected(no_unix_sockets());
}
Result<void> send_all(const Socket&, std::string_view, Deadline) { return std::unexpected(no_unix_sockets()); }
void shut_down_writes(const Socket&) {}
Result<StopSignals> StopSignals::install() { return std::unexpected(no_unix_sockets()); }
StopSignals::~StopSignals() = default;
void remove_socket_file(const std::filesystem::path&) {}

}  // namespace keyhold::platform
