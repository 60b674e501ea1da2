#include <unistd.h>

#include "../common/descriptor_io.hpp"

namespace keyhold::platform {

long read_some(int fd, void* buffer, std::size_t size) noexcept { return ::read(fd, buffer, size); }

long write_some(int fd, const void* buffer, std::size_t size) noexcept { return ::write(fd, buffer, size); }

}  // namespace keyhold::platform
