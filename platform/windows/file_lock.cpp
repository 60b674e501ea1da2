// The store's writer lock on Windows: LockFileEx on a file of the user's. A killed holder's
// lock goes with its handle; a child never inherits it (bInheritHandle FALSE).

#include <chrono>
#include <thread>

#include "keyhold/platform/files.hpp"
#include "win32.hpp"

namespace keyhold::platform {
namespace {

// As on POSIX: a writer holds the lock for milliseconds; longer means a stuck process.
constexpr auto kLockPatience = std::chrono::seconds(30);
constexpr auto kLongestPause = std::chrono::milliseconds(4);

HANDLE as_handle(std::intptr_t value) { return reinterpret_cast<HANDLE>(value); }

}  // namespace

Result<ExclusiveLock> ExclusiveLock::acquire(const std::filesystem::path& lock_file) {
    win32::OwnerOnly owner_only;
    HANDLE handle = ::CreateFileW(lock_file.c_str(), GENERIC_READ | GENERIC_WRITE,
                                  FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, owner_only.attributes(),
                                  OPEN_ALWAYS, FILE_ATTRIBUTE_NORMAL | FILE_FLAG_OPEN_REPARSE_POINT, nullptr);
    if (handle == INVALID_HANDLE_VALUE) {
        return std::unexpected(win32::last_error("open lock file", win32::narrow(lock_file.native())));
    }
    ExclusiveLock lock(reinterpret_cast<std::intptr_t>(handle));
    BY_HANDLE_FILE_INFORMATION info{};
    if (!::GetFileInformationByHandle(handle, &info) ||
        (info.dwFileAttributes & (FILE_ATTRIBUTE_DIRECTORY | FILE_ATTRIBUTE_REPARSE_POINT)) != 0 ||
        ::GetFileType(handle) != FILE_TYPE_DISK) {
        return fail("refusing lock file " + win32::narrow(lock_file.native()) + ": it is not a regular file");
    }
    const auto give_up_at = std::chrono::steady_clock::now() + kLockPatience;
    auto pause = std::chrono::microseconds(50);
    for (;;) {
        OVERLAPPED whole_file{};
        if (::LockFileEx(handle, LOCKFILE_EXCLUSIVE_LOCK | LOCKFILE_FAIL_IMMEDIATELY, 0, MAXDWORD, MAXDWORD,
                         &whole_file)) {
            return lock;
        }
        if (::GetLastError() != ERROR_LOCK_VIOLATION) {
            return std::unexpected(win32::last_error("lock", win32::narrow(lock_file.native())));
        }
        if (std::chrono::steady_clock::now() >= give_up_at) {
            return fail("another keyhold process has held " + win32::narrow(lock_file.native()) +
                        " for over 30 seconds; find it in Resource Monitor (Associated Handles)");
        }
        std::this_thread::sleep_for(pause);
        pause = std::min<std::chrono::microseconds>(pause * 2, kLongestPause);
    }
}

void ExclusiveLock::release() {
    if (handle_ != kNoHandle) {
        ::CloseHandle(as_handle(handle_));  // closing the handle releases the lock
        handle_ = kNoHandle;
    }
}

}  // namespace keyhold::platform
