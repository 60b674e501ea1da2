#include <limits.h>
#include <mach-o/dyld.h>
#include <stdlib.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "keyhold/platform/process.hpp"

namespace keyhold::platform {

// dyld(3): _NSGetExecutablePath gives the path the executable was started by, which may hold a
// symbolic link (Homebrew's bin/ links into its Cellar) or `..`; realpath(3) resolves it to the
// file itself, as /proc/self/exe does on Linux, so that the generation recorder (store.hpp) is this very program.
Result<std::filesystem::path> current_executable() {
    std::vector<char> started_as(PATH_MAX + 1, '\0');
    auto size = static_cast<std::uint32_t>(started_as.size());
    if (::_NSGetExecutablePath(started_as.data(), &size) != 0) {
        started_as.assign(size + 1, '\0');  // it said how much it needs
        if (::_NSGetExecutablePath(started_as.data(), &size) != 0) {
            return fail("cannot find this executable (_NSGetExecutablePath)");
        }
    }
    const std::unique_ptr<char, decltype(&::free)> resolved(::realpath(started_as.data(), nullptr), &::free);
    if (resolved == nullptr) {
        return fail("cannot find this executable (" + std::string(started_as.data()) + "): " + std::strerror(errno));
    }
    return std::filesystem::path(resolved.get());
}

}  // namespace keyhold::platform
