#pragma once
// One read or write on a descriptor (POSIX) or C runtime descriptor (Windows): the count, 0 at
// the end of input, or -1 with errno set (EINTR included: callers retry). One definition per
// OS family: posix/descriptor_io.cpp, windows/descriptor_io.cpp.

#include <cstddef>

namespace keyhold::platform {

long read_some(int fd, void* buffer, std::size_t size) noexcept;
long write_some(int fd, const void* buffer, std::size_t size) noexcept;

}  // namespace keyhold::platform
