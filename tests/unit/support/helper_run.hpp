#pragma once
// Runs a credential helper's entry point in-process on memory files, as a client would run the
// executable: stdin in, stdout, stderr and the exit code out.

#include "support/catch.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "keyhold/protocol/helper_streams.hpp"

namespace keyhold::testing {

struct HelperRun {
    int exit_code = -1;
    std::string out;
    std::string err;
};

// A file holding `content`, read from its start: an unlinked temporary file (memfd_create is
// Linux's alone), so that nothing is left behind.
inline int memory_file(std::string_view content) {
    std::string pattern = (std::filesystem::temp_directory_path() / "keyhold-test-XXXXXX").string();
    const int fd = ::mkstemp(pattern.data());
    REQUIRE(fd >= 0);
    ::unlink(pattern.c_str());
    REQUIRE(::fcntl(fd, F_SETFD, FD_CLOEXEC) == 0);
    REQUIRE(::write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size()));
    REQUIRE(::lseek(fd, 0, SEEK_SET) == 0);
    return fd;
}

inline std::string drain(int fd) {
    std::string text;
    REQUIRE(::lseek(fd, 0, SEEK_SET) == 0);
    char buffer[65536];
    for (ssize_t count; (count = ::read(fd, buffer, sizeof buffer)) > 0;) {
        text.append(buffer, static_cast<std::size_t>(count));
    }
    ::close(fd);
    return text;
}

// `entry` is run_docker_helper or run_git_helper; `args` follow the program name.
template <class EntryPoint>
HelperRun run_helper(EntryPoint entry, std::string_view program, std::vector<std::string_view> args,
                     std::string_view input) {
    args.insert(args.begin(), program);
    protocol::HelperStreams streams{memory_file(input), memory_file(""), memory_file(""), false};
    HelperRun run;
    run.exit_code = entry(std::span<const std::string_view>(args), streams);
    ::close(streams.in_fd);
    run.out = drain(streams.out_fd);
    run.err = drain(streams.err_fd);
    return run;
}

}  // namespace keyhold::testing
