#include <io.h>

#include <algorithm>

#include "../common/descriptor_io.hpp"

namespace keyhold::platform {
namespace {

// _read and _write take an unsigned int count.
constexpr std::size_t kLargestChunk = std::size_t{1} << 30;

}  // namespace

long read_some(int fd, void* buffer, std::size_t size) noexcept {
    return ::_read(fd, buffer, static_cast<unsigned>(std::min(size, kLargestChunk)));
}

long write_some(int fd, const void* buffer, std::size_t size) noexcept {
    return ::_write(fd, buffer, static_cast<unsigned>(std::min(size, kLargestChunk)));
}

}  // namespace keyhold::platform
