#pragma once
// The clients' own files that keyhold edits for the user (docker's config.json, the containers
// tools' auth.json, git's credential files): read without following a link, and rewritten
// atomically with the mode and owner they had (docs/setup.md, "How keyhold edits a file").

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "keyhold/error.hpp"

namespace keyhold::platform {

struct ClientFile {
    // The contents. They may hold base64 passwords: the heap is wiped when they are freed
    // (platform/common/heap_wipe.cpp), and they are never printed.
    std::string bytes;
    std::uint32_t mode = 0600;  // permission bits
    std::uint32_t owner = 0;    // uid and gid (POSIX)
    std::uint32_t group = 0;
    std::uint64_t device = 0;  // which file it was, to refuse one replaced meanwhile
    std::uint64_t inode = 0;
    std::int64_t changed_ns = 0;  // its change time (POSIX ctime), to refuse one written in place meanwhile
};

// The file, or nullopt when it does not exist. Refuses, naming the file, a symbolic link (and
// where it points), anything but a regular file, a file with other hard links, and more than
// `limit` bytes.
Result<std::optional<ClientFile>> read_client_file(const std::filesystem::path& file, std::size_t limit);

// Replaces `file` with `bytes` so that a reader or a crash sees the old or the new contents: a
// temporary file in the same directory, fsync, rename, fsync of the directory. The new file
// gets `original`'s mode and owner; without one (a new file) mode 0600, and missing parent
// directories are created with mode 0700. Refuses when `file` is no longer the one read into
// `original` (another program replaced it, or wrote to it, meanwhile).
Result<void> rewrite_client_file(const std::filesystem::path& file, std::string_view bytes,
                                 const std::optional<ClientFile>& original);

}  // namespace keyhold::platform
