// docker-credential-keyhold's two parsers of client input: the JSON body of `store`, and the
// server URL `get` (and `erase`) read from stdin, trimmed, then parsed as a registry key.
//
// `get` runs through run_docker_helper itself, against a KEYHOLD_HOME with no store, so the
// real reading and trimming are fuzzed; it must answer "not found", never a credential.

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <array>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "fuzz_support.hpp"
#include "keyhold/crypto/secure_buffer.hpp"
#include "keyhold/protocol/docker_helper.hpp"
#include "keyhold/protocol/docker_messages.hpp"
#include "keyhold/settings.hpp"

namespace {

using namespace keyhold;
using fuzz::require;

// The request's stdin: a memory file rewritten for each input (a pipe would block past 64 KiB).
struct GetVerb {
    int stdin_fd = ::memfd_create("docker-get-stdin", MFD_CLOEXEC);
    int null_fd = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
    Settings settings;

    GetVerb() {
        require(stdin_fd >= 0 && null_fd >= 0);
        // A home where no store was ever created: every get must find nothing.
        const auto home = std::filesystem::temp_directory_path() / ("keyhold-fuzz-" + std::to_string(::getpid()));
        settings.keyhold_home = std::optional<std::filesystem::path>(home);
        settings.key_cache_lifetime = std::chrono::seconds(0);
    }

    int run(std::string_view input) const {
        require(::ftruncate(stdin_fd, 0) == 0 && ::lseek(stdin_fd, 0, SEEK_SET) == 0);
        require(static_cast<std::size_t>(::write(stdin_fd, input.data(), input.size())) == input.size());
        require(::lseek(stdin_fd, 0, SEEK_SET) == 0);
        const std::array<std::string_view, 2> args = {"docker-credential-keyhold", "get"};
        return protocol::run_docker_helper(args, {stdin_fd, null_fd, null_fd}, settings);
    }
};

void check_store_request(std::string_view input) {
    crypto::SecureBuffer storage;
    const auto request = protocol::parse_store_request(input, storage);
    if (!request) {
        return;
    }
    // What `get` would print for it parses back to the same three fields: the answer's JSON
    // cannot be bent into another credential by what a client stored.
    const crypto::SecureBuffer answer = protocol::format_get_response(*request);
    require(answer.text().ends_with('\n') && answer.text().find('\n') == answer.size() - 1);
    crypto::SecureBuffer reparsed_storage;
    const auto reparsed = protocol::parse_store_request(answer.text(), reparsed_storage);
    require(reparsed.has_value());
    require(reparsed->server_url == request->server_url && reparsed->username == request->username &&
            reparsed->secret.expose() == request->secret.expose());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
    fuzz::initialize_sodium_once();
    static const GetVerb get;
    const std::string_view input = fuzz::as_text(data, size);
    check_store_request(input);
    require(get.run(input) == 1);  // not found, or not a registry address: never an answer
    return 0;
}
