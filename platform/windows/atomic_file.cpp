// Atomic replacement on Windows: a new file beside the target (owner-only ACL), written and
// flushed (FlushFileBuffers), then moved over the target with MOVEFILE_REPLACE_EXISTING |
// MOVEFILE_WRITE_THROUGH, which returns only once the move is on disk. A reader or a crash
// sees the old file or the new one, as with rename(2) and fsync on POSIX.

#include <chrono>
#include <thread>

#include "keyhold/crypto/aead.hpp"
#include "keyhold/encoding/hex.hpp"
#include "keyhold/platform/files.hpp"
#include "win32.hpp"

namespace keyhold::platform {
namespace {

std::wstring temporary_prefix(const std::filesystem::path& target) { return target.filename().native() + L".tmp."; }

std::wstring random_suffix() {
    std::array<unsigned char, 8> random{};
    crypto::fill_random(random);
    return win32::widen(encoding::to_hex(random));
}

std::string reason_and_remedy(DWORD code, std::size_t size) {
    const std::string reason = win32::message_for(code);
    if (code == ERROR_DISK_FULL || code == ERROR_HANDLE_DISK_FULL) {
        return reason + "; it is unchanged: free some space on its drive and try again";
    }
    if (code == ERROR_FILE_TOO_LARGE) {
        return "its " + std::to_string(size) + " bytes exceed the file size limit of its file system; it is unchanged";
    }
    return reason + "; it is unchanged";
}

// A reader holds the old file for a moment with FILE_SHARE_DELETE; the move waits that out.
constexpr int kMoveAttempts = 50;
constexpr auto kMovePause = std::chrono::milliseconds(10);

}  // namespace

Result<void> replace_file_atomically(const std::filesystem::path& target, std::span<const unsigned char> bytes) {
    const std::filesystem::path directory = target.parent_path().empty() ? "." : target.parent_path();
    const std::filesystem::path temporary = directory / (temporary_prefix(target) + random_suffix());
    const std::string target_text = win32::narrow(target.native());
    const auto not_written = [&](std::string_view step, DWORD code) {
        return Error{"cannot write " + target_text + ": " + std::string(step) + reason_and_remedy(code, bytes.size())};
    };
    win32::OwnerOnly owner_only;
    if (owner_only.attributes() == nullptr) {
        return fail("cannot write " + target_text + ": no owner-only access list could be made for its new copy");
    }
    // CREATE_NEW: never write into a file someone prepared for us.
    win32::UniqueHandle file(::CreateFileW(temporary.c_str(), GENERIC_WRITE, 0, owner_only.attributes(), CREATE_NEW,
                                           FILE_ATTRIBUTE_NORMAL, nullptr));
    if (!file.valid()) {
        return std::unexpected(not_written("creating its new copy beside it: ", ::GetLastError()));
    }
    const auto abandon = [&](std::string_view step, DWORD code) -> Result<void> {
        file.reset();
        ::DeleteFileW(temporary.c_str());
        return std::unexpected(not_written(step, code));
    };
    std::span<const unsigned char> left = bytes;
    while (!left.empty()) {
        DWORD written = 0;
        const auto chunk = static_cast<DWORD>(std::min<std::size_t>(left.size(), 1u << 30));
        if (!::WriteFile(file.get(), left.data(), chunk, &written, nullptr)) {
            return abandon("", ::GetLastError());
        }
        left = left.subspan(written);
    }
    if (!::FlushFileBuffers(file.get())) {
        return abandon("flushing its new copy to disk: ", ::GetLastError());
    }
    file.reset();
    for (int attempt = 1;; ++attempt) {
        if (::MoveFileExW(temporary.c_str(), target.c_str(), MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH)) {
            return {};
        }
        const DWORD code = ::GetLastError();
        if ((code != ERROR_ACCESS_DENIED && code != ERROR_SHARING_VIOLATION) || attempt == kMoveAttempts) {
            return abandon("moving its new copy over it: ", code);
        }
        std::this_thread::sleep_for(kMovePause);
    }
}

void remove_abandoned_temporaries(const std::filesystem::path& target) {
    const std::filesystem::path directory = target.parent_path().empty() ? "." : target.parent_path();
    const std::wstring prefix = temporary_prefix(target);
    std::error_code error;
    for (const auto& item : std::filesystem::directory_iterator(directory, error)) {
        if (item.path().filename().native().starts_with(prefix)) {
            ::DeleteFileW(item.path().c_str());
        }
    }
}

}  // namespace keyhold::platform
