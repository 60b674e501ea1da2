#include <malloc.h>

#include "../common/allocation_size.hpp"

namespace keyhold::platform {

std::size_t allocation_size(void* block) noexcept { return ::_msize(block); }

}  // namespace keyhold::platform
