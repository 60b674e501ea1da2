#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <thread>
#include <utility>

#include "keyhold/platform/files.hpp"
#include "system_error.hpp"

namespace keyhold::platform {
namespace {

// A writer holds the lock for milliseconds; waiting longer means a stuck process, which the
// user should hear about rather than watch docker hang.
constexpr auto kLockPatience = std::chrono::seconds(30);
constexpr auto kLongestPause = std::chrono::milliseconds(4);

}  // namespace

Result<ExclusiveLock> ExclusiveLock::acquire(const std::filesystem::path& lock_file) {
    // O_NONBLOCK: a FIFO planted at the path must be refused below, not waited on.
    const int fd = ::open(lock_file.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK, 0600);
    if (fd < 0) {
        return std::unexpected(system_error("open lock file", lock_file));
    }
    ExclusiveLock lock(fd);
    struct stat info {};
    if (::fstat(fd, &info) != 0 || info.st_uid != geteuid() || !S_ISREG(info.st_mode)) {
        return fail("refusing lock file " + lock_file.string() + ": it is not a regular file of yours");
    }
    const auto give_up_at = std::chrono::steady_clock::now() + kLockPatience;
    auto pause = std::chrono::microseconds(50);
    while (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
        if (errno != EWOULDBLOCK && errno != EINTR) {
            return std::unexpected(system_error("lock", lock_file));
        }
        if (std::chrono::steady_clock::now() >= give_up_at) {
            return fail("another keyhold process has held " + lock_file.string() +
                        " for over 30 seconds; find it with `fuser " + lock_file.string() + "`");
        }
        std::this_thread::sleep_for(pause);
        pause = std::min<std::chrono::microseconds>(pause * 2, kLongestPause);
    }
    return lock;
}

void ExclusiveLock::release() {
    if (handle_ != kNoHandle) {
        ::close(static_cast<int>(handle_));  // closing the last descriptor releases the flock
        handle_ = kNoHandle;
    }
}

}  // namespace keyhold::platform
