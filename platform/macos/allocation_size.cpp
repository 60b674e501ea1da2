#include <malloc/malloc.h>

#include "../common/allocation_size.hpp"

namespace keyhold::platform {

// malloc_size(3): the usable size of a block the default malloc zone gave (0 for a pointer it
// did not).
std::size_t allocation_size(void* block) noexcept { return ::malloc_size(block); }

}  // namespace keyhold::platform
