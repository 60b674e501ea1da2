#include "duration.hpp"

#include <charconv>
#include <string>

#include "keyhold/encoding/display_text.hpp"

namespace keyhold::cli {

Result<std::chrono::seconds> parse_duration(std::string_view text) {
    long long amount = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), amount);
    const std::string_view unit(end, static_cast<std::size_t>(text.data() + text.size() - end));
    long long scale = 0;
    if (unit.empty() || unit == "s") {
        scale = 1;
    } else if (unit == "m") {
        scale = 60;
    } else if (unit == "h") {
        scale = 3600;
    } else if (unit == "d") {
        scale = 86400;
    }
    if (error != std::errc() || end == text.data() || amount < 0 || scale == 0 || amount > (1LL << 40) / scale) {
        return fail("'" + encoding::printable(text, 64) + "' is not a duration (examples: 90s, 15m, 12h, 7d)");
    }
    return std::chrono::seconds(amount * scale);
}

}  // namespace keyhold::cli
