#include <malloc.h>

#include "../common/allocation_size.hpp"

namespace keyhold::platform {

std::size_t allocation_size(void* block) noexcept { return ::malloc_usable_size(block); }

}  // namespace keyhold::platform
