#pragma once
// What every fuzz target shares: libsodium made ready once, and invariant checks that stop
// the fuzzer at the input that broke them.

#include <sodium.h>

#include <string_view>

namespace keyhold::fuzz {

// A broken invariant is a finding like a crash: __builtin_trap makes libFuzzer save the input
// and print the stack. Not assert(), which NDEBUG would remove from a RelWithDebInfo build.
inline void require(bool invariant) {
    if (!invariant) {
        __builtin_trap();
    }
}

// SecureBuffer is sodium_malloc: libsodium must be initialized, as harden_process() does in
// keyhold's mains (which the targets do not run: it makes the process undumpable).
inline void initialize_sodium_once() {
    static const bool ready = sodium_init() >= 0;
    require(ready);
}

inline std::string_view as_text(const unsigned char* data, std::size_t size) {
    return {reinterpret_cast<const char*>(data), size};
}

}  // namespace keyhold::fuzz
