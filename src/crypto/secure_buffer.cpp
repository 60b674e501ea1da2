#include "keyhold/crypto/secure_buffer.hpp"

#include <sodium.h>

#include <cassert>
#include <cstring>
#include <new>
#include <utility>

namespace keyhold::crypto {

SecureBuffer::SecureBuffer(std::size_t size) : size_(size), capacity_(size) {
    // sodium_malloc(0) is allowed but returns a guard-only region; one byte keeps data() usable.
    data_ = static_cast<unsigned char*>(sodium_malloc(size == 0 ? 1 : size));
    if (data_ == nullptr) {
        throw std::bad_alloc();
    }
}

SecureBuffer SecureBuffer::copy_of(std::span<const unsigned char> bytes) {
    SecureBuffer buffer(bytes.size());
    if (!bytes.empty()) {
        std::memcpy(buffer.data_, bytes.data(), bytes.size());
    }
    return buffer;
}

SecureBuffer SecureBuffer::copy_of(std::string_view text) {
    return copy_of(std::span(reinterpret_cast<const unsigned char*>(text.data()), text.size()));
}

SecureBuffer::SecureBuffer(SecureBuffer&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)),
      size_(std::exchange(other.size_, 0)),
      capacity_(std::exchange(other.capacity_, 0)) {}

SecureBuffer& SecureBuffer::operator=(SecureBuffer&& other) noexcept {
    if (this != &other) {
        release();
        data_ = std::exchange(other.data_, nullptr);
        size_ = std::exchange(other.size_, 0);
        capacity_ = std::exchange(other.capacity_, 0);
    }
    return *this;
}

SecureBuffer::~SecureBuffer() { release(); }

void SecureBuffer::resize(std::size_t size) {
    assert(size <= capacity_);
    size_ = size;
}

void SecureBuffer::release() {
    // sodium_free wipes the whole allocation before unmapping it.
    sodium_free(data_);
    data_ = nullptr;
    size_ = capacity_ = 0;
}

}  // namespace keyhold::crypto
