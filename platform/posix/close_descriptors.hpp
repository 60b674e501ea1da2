#pragma once
// Closing every descriptor from one up, in a child between fork and exec (async-signal-safe):
// close_range(2) on Linux, a loop to the table size on macOS, which has no close_range.
// One definition per OS: linux/close_descriptors.cpp, macos/close_descriptors.cpp.

namespace keyhold::platform {

void close_descriptors_from(int lowest) noexcept;

}  // namespace keyhold::platform
