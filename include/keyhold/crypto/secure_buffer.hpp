#pragma once
// Memory for secrets: libsodium's guarded, mlock'ed allocations, wiped when released.

#include <cstddef>
#include <span>
#include <string_view>

namespace keyhold::crypto {

class SecureBuffer {
public:
    SecureBuffer() = default;
    // Allocates `size` bytes of secure memory; throws std::bad_alloc when none is left.
    explicit SecureBuffer(std::size_t size);
    static SecureBuffer copy_of(std::span<const unsigned char> bytes);
    static SecureBuffer copy_of(std::string_view text);

    SecureBuffer(SecureBuffer&& other) noexcept;
    SecureBuffer& operator=(SecureBuffer&& other) noexcept;
    SecureBuffer(const SecureBuffer&) = delete;
    SecureBuffer& operator=(const SecureBuffer&) = delete;
    ~SecureBuffer();

    unsigned char* data() { return data_; }
    const unsigned char* data() const { return data_; }
    std::size_t size() const { return size_; }
    std::size_t capacity() const { return capacity_; }
    bool empty() const { return size_ == 0; }

    // Shrinks or grows the visible part within the allocation (never reallocates).
    void resize(std::size_t size);

    std::span<unsigned char> bytes() { return {data_, size_}; }
    std::span<const unsigned char> bytes() const { return {data_, size_}; }
    std::string_view text() const { return {reinterpret_cast<const char*>(data_), size_}; }

private:
    void release();

    unsigned char* data_ = nullptr;
    std::size_t size_ = 0;
    std::size_t capacity_ = 0;
};

}  // namespace keyhold::crypto
