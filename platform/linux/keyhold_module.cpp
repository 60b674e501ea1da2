#include "keyhold_module.hpp"

#include <dlfcn.h>

#include <filesystem>
#include <system_error>

#include "keyhold/platform/process.hpp"

namespace keyhold::platform {

Result<void*> find_module_entry(const KeyholdModule& module) {
    auto self = current_executable();
    if (!self) {
        return fail("cannot load " + std::string(module.description) + ": " + self.error().message);
    }
    const std::filesystem::path& executable = *self;
    const std::filesystem::path directory = executable.parent_path();
    std::error_code error;
    for (const std::filesystem::path& candidate :
         {directory / module.file_name, directory / KEYHOLD_MODULE_DIRECTORY_FROM_BINDIR / module.file_name}) {
        if (!std::filesystem::exists(candidate, error)) {
            continue;
        }
        void* handle = ::dlopen(candidate.c_str(), RTLD_NOW | RTLD_LOCAL);
        if (handle == nullptr) {
            return fail("cannot load " + candidate.string() + ": " + ::dlerror());
        }
        void* entry = ::dlsym(handle, module.entry_symbol);
        if (entry == nullptr) {
            return fail(candidate.string() + " is not " + module.description + " of this keyhold");
        }
        return entry;
    }
    // Packages ship each module apart (cmake/Packages.cmake), so that a machine that does not
    // use that keychain needs none of its libraries.
    return fail(std::string(module.description) + " (" + module.file_name + ") is not installed beside " +
                executable.string() + " nor in " +
                (directory / KEYHOLD_MODULE_DIRECTORY_FROM_BINDIR).lexically_normal().string() + " (the " +
                module.package + " package)");
}

}  // namespace keyhold::platform
