#include "keyhold/crypto/secure_arena.hpp"

#include <algorithm>
#include <cstring>

namespace keyhold::crypto {
namespace {

// Each chunk is an mmap with guard pages: large enough that thousands of secrets take a few.
constexpr std::size_t kChunkBytes = 64 * 1024;

}  // namespace

std::string_view SecureArena::keep(std::string_view text) {
    if (chunks_.empty() || used_in_last_ + text.size() > chunks_.back().capacity()) {
        chunks_.emplace_back(std::max(kChunkBytes, text.size()));
        chunks_.back().resize(chunks_.back().capacity());
        used_in_last_ = 0;
    }
    char* start = reinterpret_cast<char*>(chunks_.back().data()) + used_in_last_;
    if (!text.empty()) {
        std::memcpy(start, text.data(), text.size());
    }
    used_in_last_ += text.size();
    return {start, text.size()};
}

}  // namespace keyhold::crypto
