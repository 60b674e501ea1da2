// Reading and writing whole streams (a helper's stdin and stdout), the same on every OS; the
// one read or write underneath is each OS's (descriptor_io.hpp).

#include <cerrno>
#include <cstring>

#include "descriptor_io.hpp"
#include "keyhold/platform/files.hpp"

namespace keyhold::platform {
namespace {

constexpr std::size_t kFirstReadBytes = 4096;

}  // namespace

Result<crypto::SecureBuffer> read_all(int fd, std::size_t limit) {
    // Secure memory cannot grow in place: double it, copying, and let the old one wipe itself.
    crypto::SecureBuffer buffer(std::min(kFirstReadBytes, limit + 1));
    std::size_t used = 0;
    for (;;) {
        if (used == buffer.capacity()) {
            if (used > limit) {
                return std::unexpected(Error{"more than " + std::to_string(limit) + " bytes", ErrorKind::too_large});
            }
            crypto::SecureBuffer bigger(std::min(buffer.capacity() * 2, limit + 1));
            std::memcpy(bigger.data(), buffer.data(), used);
            buffer = std::move(bigger);
        }
        const long count = read_some(fd, buffer.data() + used, buffer.capacity() - used);
        if (count < 0) {
            if (errno == EINTR) {
                continue;
            }
            return fail(std::string("cannot read input: ") + std::strerror(errno));
        }
        if (count == 0) {
            break;
        }
        used += static_cast<std::size_t>(count);
    }
    if (used > limit) {
        return std::unexpected(Error{"more than " + std::to_string(limit) + " bytes", ErrorKind::too_large});
    }
    buffer.resize(used);
    return buffer;
}

int write_fully(int fd, std::span<const unsigned char> bytes) {
    while (!bytes.empty()) {
        const long count = write_some(fd, bytes.data(), bytes.size());
        if (count < 0) {
            if (errno == EINTR) {
                continue;
            }
            return errno;
        }
        bytes = bytes.subspan(static_cast<std::size_t>(count));
    }
    return 0;
}

Result<void> write_all(int fd, std::string_view bytes) {
    const int error_number = write_fully(fd, {reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size()});
    if (error_number != 0) {
        return fail(std::string("cannot write output: ") + std::strerror(error_number));
    }
    return {};
}

}  // namespace keyhold::platform
