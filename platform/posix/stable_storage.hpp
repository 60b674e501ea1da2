#pragma once
// What "durable" costs differs per OS: on Linux fsync(2) reaches the disk; on macOS fsync only
// hands the data to the drive, whose cache may lose it at a power cut, and F_FULLFSYNC is what
// flushes it (fcntl(2)). One definition per OS: linux/flush.cpp, macos/flush.cpp.

namespace keyhold::platform {

// Flushes what was written to `fd` (a file, or a directory after a rename in it) to stable
// storage. 0, or the errno of the failure.
int flush_to_stable_storage(int fd) noexcept;

}  // namespace keyhold::platform
