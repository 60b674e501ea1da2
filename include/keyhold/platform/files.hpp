#pragma once
// File-system primitives the store is built on: private directories and files, atomic
// replacement and an exclusive lock. One implementation per OS family (posix/, windows/).

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include "keyhold/crypto/secure_buffer.hpp"
#include "keyhold/error.hpp"

namespace keyhold::platform {

// The standard streams, as descriptors (POSIX) or C runtime descriptors (Windows).
inline constexpr int kStandardInput = 0;
inline constexpr int kStandardOutput = 1;
inline constexpr int kStandardError = 2;

// Whether `fd` is a terminal (a console on Windows).
bool is_terminal(int fd);

// Reads `fd` to its end into secure memory; fails once more than `limit` bytes arrive.
Result<crypto::SecureBuffer> read_all(int fd, std::size_t limit);

// Writes all of `bytes`, retrying short writes and EINTR.
Result<void> write_all(int fd, std::string_view bytes);

// The same, for a caller whose message depends on why: 0, or the errno of the write that
// failed, taken at once (EFBIG, ENOSPC and EIO each have their own advice).
int write_fully(int fd, std::span<const unsigned char> bytes);

// Creates `directory` (and missing parents) readable only by the user.
Result<void> ensure_private_directory(const std::filesystem::path& directory);

// Refuses a directory another user owns or others can write.
Result<void> check_private_directory(const std::filesystem::path& directory);

// The contents of a file the user owns and nobody else can write; nullopt when it does not
// exist. Symbolic links are not followed.
Result<std::optional<std::vector<unsigned char>>> read_private_file(const std::filesystem::path& file,
                                                                    std::size_t limit);

// The same, for a file that is itself a secret (a passphrase file): on POSIX systems nobody else
// may read it either, as ssh demands of a private key. (Windows: read_private_file's checks; a
// file under the user's profile inherits an access list of the user's own.)
Result<std::optional<std::vector<unsigned char>>> read_secret_file(const std::filesystem::path& file,
                                                                   std::size_t limit);

// A regular file anyone may own, such as a CA bundle: read at once into memory, so that what
// is used is what was checked (a FIFO or a device is refused, never waited on).
Result<std::vector<unsigned char>> read_public_file(const std::filesystem::path& file, std::size_t limit);

// Replaces `target` with `bytes` (mode 0600) so that a reader or a crash sees either the old
// or the new file: a temporary file in the same directory, fsync, rename, fsync of the directory.
Result<void> replace_file_atomically(const std::filesystem::path& target,
                                     std::span<const unsigned char> bytes);

// Removes temporary files a killed writer left behind; call only while holding the lock.
void remove_abandoned_temporaries(const std::filesystem::path& target);

// An exclusive lock (flock; LockFileEx) that a killed holder releases and a child never inherits.
class ExclusiveLock {
public:
    static Result<ExclusiveLock> acquire(const std::filesystem::path& lock_file);

    // Closes this process's descriptor (a forked child's copy, say); the lock is released once
    // no process holds one.
    void release();

    ExclusiveLock(ExclusiveLock&& other) noexcept : handle_(std::exchange(other.handle_, kNoHandle)) {}
    ExclusiveLock& operator=(ExclusiveLock&& other) noexcept {
        if (this != &other) {
            release();
            handle_ = std::exchange(other.handle_, kNoHandle);
        }
        return *this;
    }
    ExclusiveLock(const ExclusiveLock&) = delete;
    ExclusiveLock& operator=(const ExclusiveLock&) = delete;
    ~ExclusiveLock() { release(); }

private:
    // A descriptor (POSIX) or a HANDLE (Windows), whichever the OS locks with.
    static constexpr std::intptr_t kNoHandle = -1;
    explicit ExclusiveLock(std::intptr_t handle) : handle_(handle) {}
    std::intptr_t handle_ = kNoHandle;
};

}  // namespace keyhold::platform
