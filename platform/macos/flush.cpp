#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "../posix/stable_storage.hpp"

namespace keyhold::platform {

// fsync(2) on macOS moves the data to the drive but not through the drive's own write cache,
// so a power cut can still lose or reorder it; F_FULLFSYNC asks the drive to flush that cache
// too (fcntl(2)). File systems that cannot (network, FUSE, some external disks) refuse it: as
// SQLite does, keyhold then falls back to fsync, whose result is the answer (a real I/O error
// fails there as well).
int flush_to_stable_storage(int fd) noexcept {
    if (::fcntl(fd, F_FULLFSYNC) == 0) {
        return 0;
    }
    return ::fsync(fd) == 0 ? 0 : errno;
}

}  // namespace keyhold::platform
