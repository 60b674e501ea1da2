// Files on Windows: the same guarantees as platform/posix/files.cpp, in Win32 terms. The
// owner check and the owner-only ACL stand for POSIX's uid and 0700/0600; a reparse point (a
// symbolic link or junction) stands for a symlink and is never followed.

#include "win32.hpp"  // windows.h, before the other Windows headers

#include "keyhold/platform/files.hpp"

#include <aclapi.h>
#include <io.h>

#include <cstring>
#include <memory>


namespace keyhold::platform {
namespace {

// ReadFile takes a DWORD count.
constexpr std::size_t kLargestChunk = std::size_t{1} << 30;

std::string path_text(const std::filesystem::path& path) { return win32::narrow(path.native()); }

// The SID of this process's user, in `storage`.
PSID current_user(std::unique_ptr<unsigned char[]>& storage) {
    HANDLE token = nullptr;
    if (!::OpenProcessToken(::GetCurrentProcess(), TOKEN_QUERY, &token)) {
        return nullptr;
    }
    win32::UniqueHandle token_guard(token);
    DWORD size = 0;
    ::GetTokenInformation(token, TokenUser, nullptr, 0, &size);
    storage = std::make_unique<unsigned char[]>(size);
    if (!::GetTokenInformation(token, TokenUser, storage.get(), size, &size)) {
        return nullptr;
    }
    return reinterpret_cast<TOKEN_USER*>(storage.get())->User.Sid;
}

bool is_well_known(PSID sid, WELL_KNOWN_SID_TYPE type) { return ::IsWellKnownSid(sid, type) != 0; }

// Another user's file, or one others may write, could have been planted or edited by them: the
// owner must be this user (or Administrators, which own what an elevated process makes), and
// no entry of the access list may let anyone but the user, SYSTEM or Administrators write.
Result<void> check_owner_and_access(HANDLE object, const std::filesystem::path& path) {
    PSID owner = nullptr;
    PACL access = nullptr;
    PSECURITY_DESCRIPTOR descriptor = nullptr;
    if (::GetSecurityInfo(object, SE_FILE_OBJECT, OWNER_SECURITY_INFORMATION | DACL_SECURITY_INFORMATION, &owner,
                          nullptr, &access, nullptr, &descriptor) != ERROR_SUCCESS) {
        return std::unexpected(win32::last_error("read the owner of", path_text(path)));
    }
    std::unique_ptr<void, decltype(&::LocalFree)> descriptor_guard(descriptor, &::LocalFree);
    std::unique_ptr<unsigned char[]> user_storage;
    const PSID me = current_user(user_storage);
    if (me == nullptr) {
        return std::unexpected(win32::last_error("read the user of", "this process"));
    }
    const auto trusted = [&](PSID sid) {
        return ::EqualSid(sid, me) || is_well_known(sid, WinLocalSystemSid) ||
               is_well_known(sid, WinBuiltinAdministratorsSid);
    };
    if (!::EqualSid(owner, me) && !is_well_known(owner, WinBuiltinAdministratorsSid)) {
        return fail("refusing " + path_text(path) + ": it is not owned by you; use your own KEYHOLD_HOME");
    }
    const std::string remedy = "; check who changed it, then give only yourself access (icacls \"" + path_text(path) +
                               "\" /inheritance:r /grant:r \"%USERNAME%\":F)";
    if (access == nullptr) {
        return fail("refusing " + path_text(path) + ": it has no access list, so anyone can write it" + remedy);
    }
    // Writing, and everything that changes what a later read finds: deleting the file (or, on
    // the directory, any file in it), its attributes, its access list or its owner.
    constexpr ACCESS_MASK kWriting = FILE_WRITE_DATA | FILE_APPEND_DATA | FILE_WRITE_EA | FILE_WRITE_ATTRIBUTES |
                                     FILE_DELETE_CHILD | WRITE_DAC | WRITE_OWNER | DELETE | GENERIC_WRITE |
                                     GENERIC_ALL;
    for (DWORD i = 0; i < access->AceCount; ++i) {
        void* entry = nullptr;
        if (!::GetAce(access, i, &entry)) {
            continue;
        }
        const auto* header = static_cast<ACE_HEADER*>(entry);
        if ((header->AceFlags & INHERIT_ONLY_ACE) != 0) {
            continue;
        }
        // Conditional, object and compound grants are not read here: refused rather than trusted.
        if (header->AceType == ACCESS_ALLOWED_COMPOUND_ACE_TYPE || header->AceType == ACCESS_ALLOWED_OBJECT_ACE_TYPE ||
            header->AceType == ACCESS_ALLOWED_CALLBACK_ACE_TYPE ||
            header->AceType == ACCESS_ALLOWED_CALLBACK_OBJECT_ACE_TYPE) {
            return fail("refusing " + path_text(path) + ": its access list has a conditional or object grant" + remedy);
        }
        if (header->AceType != ACCESS_ALLOWED_ACE_TYPE) {
            continue;  // denials and audit entries take nothing away from the user
        }
        const auto* allowed = static_cast<ACCESS_ALLOWED_ACE*>(entry);
        PSID grantee = const_cast<DWORD*>(&allowed->SidStart);
        if ((allowed->Mask & kWriting) != 0 && !trusted(grantee)) {
            return fail("refusing " + path_text(path) + ": others can write it" + remedy);
        }
    }
    return {};
}

enum class Owner { must_be_private, anyone };

Result<std::optional<std::vector<unsigned char>>> read_regular(const std::filesystem::path& file, std::size_t limit,
                                                               Owner owner) {
    // FILE_SHARE_DELETE: a writer may rename a new store over this one while we read it.
    win32::UniqueHandle handle(::CreateFileW(file.c_str(), GENERIC_READ | READ_CONTROL,
                                             FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, nullptr,
                                             OPEN_EXISTING, FILE_FLAG_OPEN_REPARSE_POINT, nullptr));
    if (!handle.valid()) {
        const DWORD code = ::GetLastError();
        if (code == ERROR_FILE_NOT_FOUND || code == ERROR_PATH_NOT_FOUND) {
            return std::nullopt;
        }
        return fail("cannot open " + path_text(file) + ": " + win32::message_for(code));
    }
    BY_HANDLE_FILE_INFORMATION info{};
    if (!::GetFileInformationByHandle(handle.get(), &info)) {
        return std::unexpected(win32::last_error("inspect", path_text(file)));
    }
    if ((info.dwFileAttributes & FILE_ATTRIBUTE_REPARSE_POINT) != 0) {
        return fail("refusing " + path_text(file) + ": it is a symbolic link or junction");
    }
    if ((info.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) != 0 || ::GetFileType(handle.get()) != FILE_TYPE_DISK) {
        return fail("refusing " + path_text(file) + ": it is not a regular file");
    }
    if (owner == Owner::must_be_private) {
        if (auto safe = check_owner_and_access(handle.get(), file); !safe) {
            return std::unexpected(safe.error());
        }
    }
    const std::uint64_t size = (std::uint64_t{info.nFileSizeHigh} << 32) | info.nFileSizeLow;
    if (size > limit) {
        return fail("refusing " + path_text(file) + ": it is larger than " + std::to_string(limit) + " bytes");
    }
    std::vector<unsigned char> bytes(static_cast<std::size_t>(size));
    std::size_t used = 0;
    while (used < bytes.size()) {
        DWORD count = 0;
        const DWORD wanted = static_cast<DWORD>(std::min(bytes.size() - used, kLargestChunk));
        if (!::ReadFile(handle.get(), bytes.data() + used, wanted, &count, nullptr)) {
            return std::unexpected(win32::last_error("read", path_text(file)));
        }
        if (count == 0) {
            break;  // shrank while we read; the format's checks report what is missing
        }
        used += count;
    }
    bytes.resize(used);
    return std::optional<std::vector<unsigned char>>(std::move(bytes));
}

}  // namespace

bool is_terminal(int fd) { return ::_isatty(fd) != 0; }

Result<void> ensure_private_directory(const std::filesystem::path& directory) {
    std::error_code error;
    if (directory.has_parent_path()) {
        std::filesystem::create_directories(directory.parent_path(), error);
        if (error) {
            return fail("cannot create " + path_text(directory.parent_path()) + ": " + error.message());
        }
    }
    win32::OwnerOnly owner_only;
    if (owner_only.attributes() == nullptr) {
        return fail("cannot create " + path_text(directory) + ": no owner-only access list could be made for it");
    }
    if (!::CreateDirectoryW(directory.c_str(), owner_only.attributes()) && ::GetLastError() != ERROR_ALREADY_EXISTS) {
        return std::unexpected(win32::last_error("create", path_text(directory)));
    }
    return check_private_directory(directory);
}

Result<void> check_private_directory(const std::filesystem::path& directory) {
    // FILE_FLAG_BACKUP_SEMANTICS opens a directory; FILE_FLAG_OPEN_REPARSE_POINT the link itself.
    win32::UniqueHandle handle(::CreateFileW(directory.c_str(), READ_CONTROL | FILE_READ_ATTRIBUTES,
                                             FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, nullptr,
                                             OPEN_EXISTING, FILE_FLAG_BACKUP_SEMANTICS | FILE_FLAG_OPEN_REPARSE_POINT,
                                             nullptr));
    if (!handle.valid()) {
        return std::unexpected(win32::last_error("open the keyhold directory", path_text(directory)));
    }
    BY_HANDLE_FILE_INFORMATION info{};
    if (!::GetFileInformationByHandle(handle.get(), &info) || (info.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) == 0) {
        return fail("refusing keyhold directory " + path_text(directory) + ": it is not a directory");
    }
    if ((info.dwFileAttributes & FILE_ATTRIBUTE_REPARSE_POINT) != 0) {
        return fail("refusing keyhold directory " + path_text(directory) + ": it is a symbolic link or junction");
    }
    return check_owner_and_access(handle.get(), directory);
}

Result<std::optional<std::vector<unsigned char>>> read_private_file(const std::filesystem::path& file,
                                                                    std::size_t limit) {
    return read_regular(file, limit, Owner::must_be_private);
}

Result<std::optional<std::vector<unsigned char>>> read_secret_file(const std::filesystem::path& file,
                                                                   std::size_t limit) {
    return read_regular(file, limit, Owner::must_be_private);
}

Result<std::vector<unsigned char>> read_public_file(const std::filesystem::path& file, std::size_t limit) {
    auto bytes = read_regular(file, limit, Owner::anyone);
    if (!bytes) {
        return std::unexpected(bytes.error());
    }
    if (!*bytes) {
        return fail("cannot read " + path_text(file) + ": it does not exist");
    }
    return std::move(**bytes);
}

}  // namespace keyhold::platform
