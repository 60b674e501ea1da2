// tpm2.sh's probe: seals and unseals a known key through keyhold-tpm2.so, as keyhold does, and
// counts the copies of that key left in the process's heap once both calls returned (tpm2-tss
// frees its buffers unwiped; tpm2_module.cpp has glibc zero them). Prints "copies N".
//
// Usage: keyhold_tpm2_heap_probe MODULE TCTI
#include <dlfcn.h>
#include <string.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <string>

#include "tpm2_abi.h"

namespace {

constexpr std::size_t kKeyBytes = 32;

// Copies of `key` in this process's [heap] (the main thread's arena, which the calls used).
int copies_in_heap(const std::array<unsigned char, kKeyBytes>& key) {
    std::ifstream maps("/proc/self/maps");
    int copies = 0;
    for (std::string line; std::getline(maps, line);) {
        unsigned long from = 0;
        unsigned long to = 0;
        if (line.find("[heap]") == std::string::npos || std::sscanf(line.c_str(), "%lx-%lx", &from, &to) != 2) {
            continue;
        }
        for (unsigned long at = from; at + kKeyBytes <= to; ++at) {
            copies += memcmp(reinterpret_cast<const void*>(at), key.data(), kKeyBytes) == 0 ? 1 : 0;
        }
    }
    return copies;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 3) {
        std::fprintf(stderr, "usage: %s MODULE TCTI\n", argv[0]);
        return 2;
    }
    void* module = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    void* entry = module != nullptr ? dlsym(module, KEYHOLD_TPM2_ENTRY) : nullptr;
    if (entry == nullptr) {
        std::fprintf(stderr, "cannot load %s: %s\n", argv[1], dlerror());
        return 1;
    }
    const keyhold_tpm2_api* api = reinterpret_cast<keyhold_tpm2_entry>(entry)();
    // A key no allocator writes by chance; the pattern to look for is kept on the stack only.
    std::array<unsigned char, kKeyBytes> key{};
    for (std::size_t i = 0; i < kKeyBytes; ++i) {
        key[i] = static_cast<unsigned char>(0xA5 ^ (i * 37));
    }
    std::array<unsigned char, 4096> blob{};
    std::size_t blob_size = 0;
    std::array<char, 512> reason{};
    if (api->seal(argv[2], 0, key.data(), key.size(), blob.data(), blob.size(), &blob_size, reason.data(),
                  reason.size()) != KEYHOLD_TPM2_OK) {
        std::fprintf(stderr, "seal failed: %s\n", reason.data());
        return 1;
    }
    std::array<unsigned char, kKeyBytes> unsealed{};
    std::size_t unsealed_size = 0;
    if (api->unseal(argv[2], 0, blob.data(), blob_size, unsealed.data(), unsealed.size(), &unsealed_size, reason.data(),
                    reason.size()) != KEYHOLD_TPM2_OK ||
        unsealed != key) {
        std::fprintf(stderr, "unseal failed: %s\n", reason.data());
        return 1;
    }
    explicit_bzero(unsealed.data(), unsealed.size());
    std::printf("copies %d\n", copies_in_heap(key));
    return 0;
}
