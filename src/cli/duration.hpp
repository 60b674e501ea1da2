#pragma once

#include <chrono>
#include <string_view>

#include "keyhold/error.hpp"

namespace keyhold::cli {

// "90s", "15m", "12h", "7d", or plain seconds, as systemd timers and users write them.
Result<std::chrono::seconds> parse_duration(std::string_view text);

}  // namespace keyhold::cli
