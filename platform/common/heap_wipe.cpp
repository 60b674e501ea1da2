// Wipe-on-free for C++ heap memory, linked into every keyhold executable.
//
// keyhold keeps its own secrets in libsodium secure memory, but libraries it hands them to
// (nlohmann_json parsing a `store` request, std::string in a formatter) copy them into the
// ordinary heap and free them unwiped. Zeroing every block on delete means no such copy
// outlives its use in memory that could be swapped or read later.

#include <sodium.h>

#include <cstdlib>
#include <new>

#include "allocation_size.hpp"

namespace {

void wipe_and_free(void* block) noexcept {
    if (block != nullptr) {
        sodium_memzero(block, keyhold::platform::allocation_size(block));  // a call the optimizer cannot drop
        std::free(block);
    }
}

void* allocate(std::size_t size) {
    for (;;) {
        if (void* block = std::malloc(size == 0 ? 1 : size)) {
            return block;
        }
        std::new_handler handler = std::get_new_handler();
        if (handler == nullptr) {
            throw std::bad_alloc();
        }
        handler();
    }
}

}  // namespace

void* operator new(std::size_t size) { return allocate(size); }
void* operator new[](std::size_t size) { return allocate(size); }
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
    try {
        return allocate(size);
    } catch (...) {
        return nullptr;
    }
}
void* operator new[](std::size_t size, const std::nothrow_t&) noexcept {
    try {
        return allocate(size);
    } catch (...) {
        return nullptr;
    }
}
void operator delete(void* block) noexcept { wipe_and_free(block); }
void operator delete[](void* block) noexcept { wipe_and_free(block); }
void operator delete(void* block, std::size_t) noexcept { wipe_and_free(block); }
void operator delete[](void* block, std::size_t) noexcept { wipe_and_free(block); }
void operator delete(void* block, const std::nothrow_t&) noexcept { wipe_and_free(block); }
void operator delete[](void* block, const std::nothrow_t&) noexcept { wipe_and_free(block); }
