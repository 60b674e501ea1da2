#include <system_error>

#include "keyhold/platform/process.hpp"

namespace keyhold::platform {

Result<std::filesystem::path> current_executable() {
    std::error_code error;
    std::filesystem::path executable = std::filesystem::read_symlink("/proc/self/exe", error);
    if (error) {
        return fail("cannot find this executable (/proc/self/exe): " + error.message());
    }
    return executable;
}

}  // namespace keyhold::platform
