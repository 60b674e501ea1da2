#pragma once

#include <chrono>
#include <cstdint>

namespace keyhold {

// Seconds since the epoch: what the store, the sync state and the key cache record.
inline std::int64_t unix_now() {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

}  // namespace keyhold
