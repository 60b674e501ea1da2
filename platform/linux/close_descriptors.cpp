#include <sys/syscall.h>
#include <unistd.h>

#include "../posix/close_descriptors.hpp"

namespace keyhold::platform {

void close_descriptors_from(int lowest) noexcept {
    // The raw syscall (Linux 5.9): glibc's close_range() wrapper needs 2.34, and a failure here
    // (an older kernel) falls back to the loop.
    if (::syscall(SYS_close_range, static_cast<unsigned>(lowest), ~0U, 0U) == 0) {
        return;
    }
    const long limit = ::sysconf(_SC_OPEN_MAX);
    for (long fd = lowest; fd < (limit > 0 ? limit : 1024); ++fd) {
        ::close(static_cast<int>(fd));
    }
}

}  // namespace keyhold::platform
