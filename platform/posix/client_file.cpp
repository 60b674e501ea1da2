// The clients' files keyhold edits (client_file.hpp). Unlike the store's own files, these keep
// whatever mode and owner the user (or the client) gave them.

#include "keyhold/platform/client_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <climits>

#include "keyhold/crypto/aead.hpp"
#include "keyhold/encoding/display_text.hpp"
#include "keyhold/encoding/hex.hpp"
#include "keyhold/platform/files.hpp"
#include "stable_storage.hpp"
#include "system_error.hpp"
#include "unique_fd.hpp"

namespace keyhold::platform {
namespace {

std::string link_target(const std::filesystem::path& file) {
    std::array<char, PATH_MAX> target{};
    const ssize_t length = ::readlink(file.c_str(), target.data(), target.size() - 1);
    // Whoever made the link chose these bytes: shown printable, never as escape sequences.
    return length < 0 ? std::string("somewhere else")
                      : encoding::printable(std::string_view(target.data(), static_cast<std::size_t>(length)));
}

// ctime in nanoseconds: any write or chmod moves it, and nothing can set it back.
std::int64_t changed_ns(const struct stat& info) {
#ifdef __APPLE__
    const struct timespec& changed = info.st_ctimespec;
#else
    const struct timespec& changed = info.st_ctim;
#endif
    return static_cast<std::int64_t>(changed.tv_sec) * 1000000000 + changed.tv_nsec;
}

// Creates the missing directories above `file`, each 0700 (what docker does for ~/.docker).
Result<void> create_parents(const std::filesystem::path& file) {
    const std::filesystem::path directory = file.parent_path();
    if (directory.empty()) {
        return {};
    }
    std::error_code error;
    if (std::filesystem::is_directory(directory, error)) {
        return {};
    }
    if (auto parent = create_parents(directory); !parent) {
        return parent;
    }
    if (::mkdir(directory.c_str(), 0700) != 0 && errno != EEXIST) {
        return std::unexpected(system_error("create the directory", directory));
    }
    return {};
}

}  // namespace

Result<std::optional<ClientFile>> read_client_file(const std::filesystem::path& file, std::size_t limit) {
    UniqueFd fd(::open(file.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
    if (!fd.valid()) {
        if (errno == ENOENT) {
            return std::nullopt;
        }
        if (errno == ELOOP) {
            // docker writes through such a link (it resolves it); keyhold does not (docs/setup.md).
            return fail(file.string() + " is a symbolic link (to " + link_target(file) +
                        "); keyhold edits no file through a link: edit the file it points to by hand, or set the "
                        "variable that names it to the real path");
        }
        return std::unexpected(system_error("read", file));
    }
    struct stat info {};
    if (::fstat(fd.get(), &info) != 0) {
        return std::unexpected(system_error("read", file));
    }
    if (!S_ISREG(info.st_mode)) {
        return fail(file.string() + " is not a regular file; keyhold leaves it alone");
    }
    if (info.st_nlink > 1) {
        // The rewrite replaces this name only: the credentials removed from it would stay in
        // the file under its other names, and a root keyhold would read a file it was not named.
        return fail(file.string() + " has " + std::to_string(info.st_nlink - 1) +
                    " other hard link(s); keyhold leaves it alone: copy it to a file of its own first");
    }
    if (static_cast<std::uint64_t>(info.st_size) > limit) {
        return fail(file.string() + " is larger than " + std::to_string(limit) + " bytes; keyhold leaves it alone");
    }
    ClientFile read;
    read.mode = info.st_mode & 07777;
    read.owner = info.st_uid;
    read.group = info.st_gid;
    read.device = info.st_dev;
    read.inode = info.st_ino;
    read.changed_ns = changed_ns(info);
    std::array<char, 65536> chunk{};
    for (;;) {
        const ssize_t got = ::read(fd.get(), chunk.data(), chunk.size());
        if (got < 0 && errno == EINTR) {
            continue;
        }
        if (got < 0) {
            return std::unexpected(system_error("read", file));
        }
        if (got == 0) {
            break;
        }
        read.bytes.append(chunk.data(), static_cast<std::size_t>(got));
        if (read.bytes.size() > limit) {
            return fail(file.string() + " is larger than " + std::to_string(limit) + " bytes; keyhold leaves it alone");
        }
    }
    return std::optional<ClientFile>(std::move(read));
}

Result<void> rewrite_client_file(const std::filesystem::path& file, std::string_view bytes,
                                 const std::optional<ClientFile>& original) {
    if (!original) {
        if (auto parents = create_parents(file); !parents) {
            return parents;
        }
    }
    const std::filesystem::path directory = file.parent_path().empty() ? "." : file.parent_path();
    UniqueFd directory_fd(::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!directory_fd.valid()) {
        return std::unexpected(system_error("open the directory", directory));
    }
    std::array<unsigned char, 8> random{};
    crypto::fill_random(random);
    const std::string temporary = file.filename().string() + ".keyhold-tmp." + encoding::to_hex(random);
    UniqueFd out(
        ::openat(directory_fd.get(), temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (!out.valid()) {
        return std::unexpected(system_error("create a temporary file beside", file));
    }
    const auto abandon = [&](std::string_view step, int error_number) -> Result<void> {
        out.close();
        ::unlinkat(directory_fd.get(), temporary.c_str(), 0);
        return std::unexpected(system_error(std::string(step), file, error_number));
    };
    const mode_t mode = original ? static_cast<mode_t>(original->mode) : 0600;
    if (::fchmod(out.get(), mode) != 0) {
        return abandon("set the mode of the new copy of", errno);
    }
    if (original && (original->owner != ::geteuid() || original->group != ::getegid()) &&
        ::fchown(out.get(), original->owner, original->group) != 0) {
        return abandon("give the new copy the owner of", errno);
    }
    if (const int error_number =
            write_fully(out.get(), {reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size()});
        error_number != 0) {
        return abandon("write", error_number);
    }
    if (const int error_number = flush_to_stable_storage(out.get()); error_number != 0) {
        return abandon("flush to disk the new copy of", error_number);
    }
    if (out.close() != 0) {
        return abandon("close the new copy of", errno);
    }
    // The file must still be the one that was read, unwritten (or still be absent): a client that
    // wrote it meanwhile, by rename or in place (an editor), would otherwise lose its change. The
    // change time alone can miss a write in the same clock tick (the kernel's file times are
    // coarse, a few milliseconds): the size is compared too.
    struct stat now {};
    const bool exists = ::fstatat(directory_fd.get(), file.filename().c_str(), &now, AT_SYMLINK_NOFOLLOW) == 0;
    const bool same =
        original ? exists && S_ISREG(now.st_mode) && now.st_dev == original->device && now.st_ino == original->inode &&
                       changed_ns(now) == original->changed_ns &&
                       static_cast<std::uint64_t>(now.st_size) == original->bytes.size()
                 : !exists;
    if (!same) {
        ::unlinkat(directory_fd.get(), temporary.c_str(), 0);
        return fail(file.string() + " changed while keyhold edited it; it is left as it is now: run the command again");
    }
    if (::renameat(directory_fd.get(), temporary.c_str(), directory_fd.get(), file.filename().c_str()) != 0) {
        return abandon("rename the new copy over", errno);
    }
    if (const int error_number = flush_to_stable_storage(directory_fd.get()); error_number != 0) {
        return std::unexpected(system_error("flush the directory of", file, error_number));
    }
    return {};
}

}  // namespace keyhold::platform
