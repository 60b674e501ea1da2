#include <unistd.h>

#include <cerrno>

#include "../posix/stable_storage.hpp"

namespace keyhold::platform {

// On Linux fsync(2) waits until the device reports the data durable (it issues the cache flush).
int flush_to_stable_storage(int fd) noexcept { return ::fsync(fd) == 0 ? 0 : errno; }

}  // namespace keyhold::platform
