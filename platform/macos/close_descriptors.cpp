#include <unistd.h>

#include "../posix/close_descriptors.hpp"

namespace keyhold::platform {

void close_descriptors_from(int lowest) noexcept {
    const int limit = ::getdtablesize();
    for (int fd = lowest; fd < limit; ++fd) {
        ::close(fd);
    }
}

}  // namespace keyhold::platform
