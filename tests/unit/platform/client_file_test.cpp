#include "keyhold/platform/client_file.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

#include "support/catch.hpp"
#include "support/test_support.hpp"

using namespace keyhold;
using keyhold::testing::TempDir;

namespace {

unsigned mode_of(const std::filesystem::path& file) {
    struct stat info {};
    REQUIRE(::lstat(file.c_str(), &info) == 0);
    return info.st_mode & 07777;
}

std::string contents(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

TEST_CASE("a rewritten client file keeps its mode", "[platform]") {
    TempDir temp;
    const auto file = temp.path() / "config.json";
    std::ofstream(file) << "{}";
    ::chmod(file.c_str(), 0644);
    auto read = platform::read_client_file(file, 1 << 20);
    REQUIRE(read);
    REQUIRE(*read);
    CHECK((*read)->bytes == "{}");
    CHECK((*read)->mode == 0644);
    REQUIRE(platform::rewrite_client_file(file, "{\"a\": 1}", *read));
    CHECK(contents(file) == "{\"a\": 1}");
    CHECK(mode_of(file) == 0644);
    CHECK(std::distance(std::filesystem::directory_iterator(temp.path()), {}) == 1);  // no temporary left
}

TEST_CASE("a new client file is 0600 in new 0700 directories", "[platform]") {
    TempDir temp;
    const auto file = temp.path() / "a" / "b" / "auth.json";
    auto read = platform::read_client_file(file, 1 << 20);
    REQUIRE(read);
    CHECK_FALSE(*read);
    REQUIRE(platform::rewrite_client_file(file, "{}", std::nullopt));
    CHECK(mode_of(file) == 0600);
    CHECK(mode_of(temp.path() / "a") == 0700);
    CHECK(mode_of(temp.path() / "a" / "b") == 0700);
}

TEST_CASE("a client file behind a link is refused, naming both", "[platform]") {
    TempDir temp;
    std::ofstream(temp.path() / "real.json") << "{}";
    std::filesystem::create_symlink(temp.path() / "real.json", temp.path() / "config.json");
    const auto read = platform::read_client_file(temp.path() / "config.json", 1 << 20);
    REQUIRE_FALSE(read);
    CHECK(read.error().message.find("config.json is a symbolic link (to " + (temp.path() / "real.json").string()) !=
          std::string::npos);
}

TEST_CASE("a client file replaced meanwhile is not overwritten", "[platform]") {
    TempDir temp;
    const auto file = temp.path() / "config.json";
    std::ofstream(file) << "{}";
    auto read = platform::read_client_file(file, 1 << 20);
    REQUIRE(read);
    std::ofstream(temp.path() / "other") << "{\"theirs\": 1}";
    std::filesystem::rename(temp.path() / "other", file);  // another program's atomic write
    const auto written = platform::rewrite_client_file(file, "{\"ours\": 1}", *read);
    REQUIRE_FALSE(written);
    CHECK(written.error().message.find("changed while keyhold edited it") != std::string::npos);
    CHECK(contents(file) == "{\"theirs\": 1}");
}

TEST_CASE("a client file with another hard link is refused", "[platform]") {
    // Rewriting one name would leave the removed credentials in the file under the other.
    TempDir temp;
    const auto file = temp.path() / ".git-credentials";
    std::ofstream(file) << "https://a:pw@h.example\n";
    REQUIRE(::link(file.c_str(), (temp.path() / "backup").c_str()) == 0);
    const auto read = platform::read_client_file(file, 1 << 20);
    REQUIRE_FALSE(read);
    CHECK(read.error().message == file.string() +
                                      " has 1 other hard link(s); keyhold leaves it alone: copy it to a file of "
                                      "its own first");
}

TEST_CASE("a client file written in place meanwhile is not overwritten", "[platform]") {
    // An editor that saves in place keeps the inode: only the change time tells.
    TempDir temp;
    const auto file = temp.path() / "config.json";
    std::ofstream(file) << "{}";
    auto read = platform::read_client_file(file, 1 << 20);
    REQUIRE(read);
    std::ofstream(file, std::ios::trunc) << "{\"theirs\": 1}";
    const auto written = platform::rewrite_client_file(file, "{\"ours\": 1}", *read);
    REQUIRE_FALSE(written);
    CHECK(written.error().message.find("changed while keyhold edited it") != std::string::npos);
    CHECK(contents(file) == "{\"theirs\": 1}");
}
