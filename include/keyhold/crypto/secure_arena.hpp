#pragma once
// Many small secrets in few allocations: copies text into chunks of secure memory and hands
// out views that live as long as the arena.

#include <string_view>
#include <vector>

#include "keyhold/crypto/secure_buffer.hpp"

namespace keyhold::crypto {

class SecureArena {
public:
    std::string_view keep(std::string_view text);

private:
    std::vector<SecureBuffer> chunks_;
    std::size_t used_in_last_ = 0;
};

}  // namespace keyhold::crypto
