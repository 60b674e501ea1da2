#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "keyhold/crypto/aead.hpp"
#include "keyhold/encoding/hex.hpp"
#include "keyhold/platform/files.hpp"
#include "system_error.hpp"
#include "unique_fd.hpp"

namespace keyhold::platform {
namespace {

std::string temporary_prefix(const std::filesystem::path& target) { return target.filename().string() + ".tmp."; }

std::string random_suffix() {
    std::array<unsigned char, 8> random{};
    crypto::fill_random(random);
    return encoding::to_hex(random);
}


}  // namespace

Result<void> replace_file_atomically(const std::filesystem::path& target, std::span<const unsigned char> bytes) {
    const std::filesystem::path directory = target.parent_path().empty() ? "." : target.parent_path();
    UniqueFd directory_fd(::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!directory_fd.valid()) {
        return std::unexpected(system_error("open directory", directory));
    }
    const std::string temporary = temporary_prefix(target) + random_suffix();
    // O_EXCL|O_NOFOLLOW: never write through a link or into a file someone prepared for us.
    UniqueFd file(::openat(directory_fd.get(), temporary.c_str(),
                             O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (!file.valid()) {
        return std::unexpected(system_error("create", directory / temporary));
    }
    const auto abandon = [&](Error error) -> Result<void> {
        file.close();
        ::unlinkat(directory_fd.get(), temporary.c_str(), 0);
        return std::unexpected(std::move(error));
    };
    if (::fchmod(file.get(), 0600) != 0) {  // whatever the umask left
        return abandon(system_error("set the mode of", directory / temporary));
    }
    if (auto written = write_all(file.get(), {reinterpret_cast<const char*>(bytes.data()), bytes.size()});
        !written) {
        return abandon(system_error("write", directory / temporary));
    }
    if (::fsync(file.get()) != 0) {
        return abandon(system_error("flush", directory / temporary));
    }
    if (file.close() != 0) {
        return abandon(system_error("close", directory / temporary));
    }
    if (::renameat(directory_fd.get(), temporary.c_str(), directory_fd.get(), target.filename().c_str()) != 0) {
        return abandon(system_error("replace", target));
    }
    // The rename is durable only once the directory is.
    if (::fsync(directory_fd.get()) != 0) {
        return std::unexpected(system_error("flush directory", directory));
    }
    return {};
}

void remove_abandoned_temporaries(const std::filesystem::path& target) {
    const std::filesystem::path directory = target.parent_path().empty() ? "." : target.parent_path();
    const std::string prefix = temporary_prefix(target);
    DIR* listing = ::opendir(directory.c_str());
    if (listing == nullptr) {
        return;
    }
    while (const dirent* item = ::readdir(listing)) {
        if (std::string_view(item->d_name).starts_with(prefix)) {
            ::unlinkat(::dirfd(listing), item->d_name, 0);
        }
    }
    ::closedir(listing);
}

}  // namespace keyhold::platform
