// The clients' files keyhold edits, on Windows (client_file.hpp): a link is refused as on POSIX;
// the new copy is written by replace_file_atomically(), whose owner-only ACL is what the
// clients give these files there too (modes and owners are POSIX ideas).

#include "keyhold/platform/client_file.hpp"

#include <fstream>
#include <iterator>

#include "keyhold/platform/files.hpp"

namespace keyhold::platform {

Result<std::optional<ClientFile>> read_client_file(const std::filesystem::path& file, std::size_t limit) {
    std::error_code error;
    const auto status = std::filesystem::symlink_status(file, error);
    if (error || status.type() == std::filesystem::file_type::not_found) {
        return std::nullopt;
    }
    if (status.type() == std::filesystem::file_type::symlink) {
        return fail(file.string() +
                    " is a symbolic link; keyhold edits no file through a link: edit the file it "
                    "points to by hand, or set the variable that names it to the real path");
    }
    if (status.type() != std::filesystem::file_type::regular) {
        return fail(file.string() + " is not a regular file; keyhold leaves it alone");
    }
    if (std::filesystem::file_size(file, error) > limit || error) {
        return fail(file.string() + " cannot be read, or is larger than " + std::to_string(limit) + " bytes");
    }
    std::ifstream in(file, std::ios::binary);
    if (!in) {
        return fail("cannot read " + file.string());
    }
    ClientFile read;
    read.bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    return std::optional<ClientFile>(std::move(read));
}

Result<void> rewrite_client_file(const std::filesystem::path& file, std::string_view bytes,
                                 const std::optional<ClientFile>& original) {
    if (!original && file.has_parent_path()) {
        std::error_code error;
        std::filesystem::create_directories(file.parent_path(), error);
        if (error) {
            return fail("cannot create " + file.parent_path().string() + ": " + error.message());
        }
    }
    return replace_file_atomically(file, {reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size()});
}

}  // namespace keyhold::platform
