#include "keyhold/platform/files.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>

#include "system_error.hpp"
#include "unique_fd.hpp"

namespace keyhold::platform {
namespace {

std::string mode_text(mode_t mode) {
    char text[8];
    std::snprintf(text, sizeof text, "%04o", static_cast<unsigned>(mode & 07777));
    return text;
}

// Another user's file, or one others may write, could have been planted or edited by them.
Result<void> check_owner_and_mode(const struct stat& info, const std::filesystem::path& path) {
    if (info.st_uid != geteuid()) {
        return fail("refusing " + path.string() + ": it is owned by uid " +
                    std::to_string(info.st_uid) + ", not by you (uid " + std::to_string(geteuid()) +
                    "); use your own KEYHOLD_HOME");
    }
    if ((info.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
        return fail("refusing " + path.string() + ": group or others can write it (mode " +
                    mode_text(info.st_mode) + "); check who changed it, then run `chmod go-w " + path.string() + "`");
    }
    return {};
}


}  // namespace

bool is_terminal(int fd) { return ::isatty(fd) == 1; }

Result<void> ensure_private_directory(const std::filesystem::path& directory) {
    std::error_code error;
    if (directory.has_parent_path()) {
        std::filesystem::create_directories(directory.parent_path(), error);
        if (error) {
            return fail("cannot create " + directory.parent_path().string() + ": " + error.message());
        }
    }
    if (::mkdir(directory.c_str(), 0700) != 0 && errno != EEXIST) {
        return std::unexpected(system_error("create", directory));
    }
    return check_private_directory(directory);
}

Result<void> check_private_directory(const std::filesystem::path& directory) {
    struct stat info {};
    if (::stat(directory.c_str(), &info) != 0) {
        return std::unexpected(system_error("open the keyhold directory", directory));
    }
    if (!S_ISDIR(info.st_mode)) {
        return fail("refusing keyhold directory " + directory.string() + ": it is not a directory");
    }
    return check_owner_and_mode(info, directory);
}

namespace {

enum class Owner { must_be_private, must_be_secret, anyone };

// A regular file's contents, nullopt when it does not exist; symbolic links are not followed.
Result<std::optional<std::vector<unsigned char>>> read_regular(const std::filesystem::path& file, std::size_t limit,
                                                               Owner owner) {
    // O_NONBLOCK: opening a FIFO planted at the path would otherwise wait for a writer forever.
    // It changes nothing for the regular files that pass the check below.
    const int fd = ::open(file.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {
        if (errno == ENOENT) {
            return std::nullopt;
        }
        if (errno == ELOOP) {
            return fail("refusing " + file.string() + ": it is a symbolic link");
        }
        return std::unexpected(system_error("open", file));
    }
    UniqueFd guard(fd);
    struct stat info {};
    if (::fstat(fd, &info) != 0) {
        return std::unexpected(system_error("inspect", file));
    }
    if (!S_ISREG(info.st_mode)) {
        return fail("refusing " + file.string() + ": it is not a regular file");
    }
    if (owner != Owner::anyone) {
        if (auto safe = check_owner_and_mode(info, file); !safe) {
            return std::unexpected(safe.error());
        }
    }
    if (owner == Owner::must_be_secret && (info.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
        return fail("refusing " + file.string() + ": group or others can read it (mode " + mode_text(info.st_mode) +
                    "); run `chmod go= " + file.string() + "`");
    }
    if (static_cast<std::uint64_t>(info.st_size) > limit) {
        return fail("refusing " + file.string() + ": it is larger than " + std::to_string(limit) + " bytes");
    }
    std::vector<unsigned char> bytes(static_cast<std::size_t>(info.st_size));
    std::size_t used = 0;
    while (used < bytes.size()) {
        const ssize_t count = ::read(fd, bytes.data() + used, bytes.size() - used);
        if (count < 0 && errno == EINTR) {
            continue;
        }
        if (count < 0) {
            return std::unexpected(system_error("read", file));
        }
        if (count == 0) {
            break;  // shrank while we read; the format's checks report what is missing
        }
        used += static_cast<std::size_t>(count);
    }
    bytes.resize(used);
    return std::optional<std::vector<unsigned char>>(std::move(bytes));
}

}  // namespace

Result<std::optional<std::vector<unsigned char>>> read_private_file(const std::filesystem::path& file,
                                                                    std::size_t limit) {
    return read_regular(file, limit, Owner::must_be_private);
}

Result<std::optional<std::vector<unsigned char>>> read_secret_file(const std::filesystem::path& file,
                                                                   std::size_t limit) {
    return read_regular(file, limit, Owner::must_be_secret);
}

Result<std::vector<unsigned char>> read_public_file(const std::filesystem::path& file, std::size_t limit) {
    auto bytes = read_regular(file, limit, Owner::anyone);
    if (!bytes) {
        return std::unexpected(bytes.error());
    }
    if (!*bytes) {
        return fail("cannot read " + file.string() + ": it does not exist");
    }
    return std::move(**bytes);
}

}  // namespace keyhold::platform
