#pragma once
// How many bytes the C library's allocator really gave `block` (at least what was asked):
// what heap_wipe.cpp zeroes on free. One definition per OS (malloc_usable_size, malloc_size,
// _msize).

#include <cstddef>

namespace keyhold::platform {

std::size_t allocation_size(void* block) noexcept;

}  // namespace keyhold::platform
