#include <dirent.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "keyhold/crypto/aead.hpp"
#include "keyhold/encoding/hex.hpp"
#include "keyhold/platform/files.hpp"
#include "stable_storage.hpp"
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

// Why a write of `size` bytes failed, and what the user can do about it.
std::string reason_and_remedy(int error_number, std::size_t size) {
    if (error_number == EFBIG) {
        // EFBIG with SIGXFSZ caught (process_hardening.cpp): usually `ulimit -f` (RLIMIT_FSIZE).
        struct rlimit limit {};
        if (::getrlimit(RLIMIT_FSIZE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY) {
            return "its " + std::to_string(size) + " bytes exceed the file size limit of this process (ulimit -f: " +
                   std::to_string(limit.rlim_cur) + " bytes); it is unchanged: raise the limit (ulimit -f unlimited) " +
                   "and try again";
        }
        return "its " + std::to_string(size) + " bytes exceed the file size limit of its file system; it is unchanged";
    }
    const std::string reason = std::strerror(error_number);
    if (error_number == ENOSPC || error_number == EDQUOT) {
        return reason + "; it is unchanged: free some space on its file system and try again";
    }
    if (error_number == EIO) {
        return reason + "; it is unchanged: the disk may be failing (see dmesg); try again";
    }
    return reason + "; it is unchanged";
}

// A write that stopped before the rename: the old file is still in place.
Error not_written(const std::filesystem::path& target, std::string_view step, int error_number, std::size_t size) {
    return Error{"cannot write " + target.string() + ": " + std::string(step) + reason_and_remedy(error_number, size)};
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
        return std::unexpected(not_written(target, "creating " + temporary + " beside it: ", errno, bytes.size()));
    }
    // Every failure before the rename removes the new copy and names the file it was for.
    const auto abandon = [&](std::string_view step, int error_number) -> Result<void> {
        file.close();
        ::unlinkat(directory_fd.get(), temporary.c_str(), 0);
        return std::unexpected(not_written(target, step, error_number, bytes.size()));
    };
    if (::fchmod(file.get(), 0600) != 0) {  // whatever the umask left
        return abandon("setting the mode of its new copy: ", errno);
    }
    if (const int error_number = write_fully(file.get(), bytes); error_number != 0) {
        return abandon("", error_number);
    }
    if (const int error_number = flush_to_stable_storage(file.get()); error_number != 0) {
        return abandon("flushing its new copy to disk: ", error_number);
    }
    if (file.close() != 0) {
        return abandon("closing its new copy: ", errno);
    }
    if (::renameat(directory_fd.get(), temporary.c_str(), directory_fd.get(), target.filename().c_str()) != 0) {
        return abandon("renaming its new copy over it: ", errno);
    }
    // The rename is durable only once the directory is.
    if (const int error_number = flush_to_stable_storage(directory_fd.get()); error_number != 0) {
        return std::unexpected(system_error("flush directory", directory, error_number));
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
