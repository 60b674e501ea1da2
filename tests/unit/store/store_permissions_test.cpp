// What POSIX permissions mean for the store: 0700/0600 on creation, and a store file that
// others can write, that another user owns or that is a symbolic link is refused. (Windows'
// owner and access-list checks run against the .exe in tests/integration/docker_protocol.sh.)

#include <sys/stat.h>
#include <unistd.h>

#include "support/catch.hpp"

#include "keyhold/store/store.hpp"
#include "support/passphrase_store.hpp"
#include "support/test_support.hpp"

using namespace keyhold;
using keyhold::store::StoreLocation;
using keyhold::store::Transaction;
using keyhold::store::WhenMissing;
using PassphraseStore = keyhold::testing::TempPassphraseStore;
using keyhold::testing::read_bytes;

namespace {

mode_t mode_of(const std::filesystem::path& path) {
    struct stat info {};
    REQUIRE(::stat(path.c_str(), &info) == 0);
    return info.st_mode & 07777;
}

std::string open_error(const StoreLocation& location) {
    auto opened = store::open_store(location);
    return opened ? std::string() : opened.error().message;
}

}  // namespace

TEST_CASE("a new store is a private directory with a private file", "[store][permissions]") {
    PassphraseStore fixture;
    CHECK(mode_of(fixture.location.directory) == 0700);
    CHECK(mode_of(fixture.location.store_file()) == 0600);
}

TEST_CASE("a store others can write is refused", "[store][permissions]") {
    PassphraseStore fixture;
    const auto before = read_bytes(fixture.location.store_file());

    SECTION("world-writable file") {
        std::filesystem::permissions(fixture.location.store_file(), std::filesystem::perms::others_write,
                                     std::filesystem::perm_options::add);
        CHECK_THAT(open_error(fixture.location), Catch::Contains("group or others can write it"));
    }
    SECTION("group-writable directory") {
        std::filesystem::permissions(fixture.location.directory, std::filesystem::perms::group_write,
                                     std::filesystem::perm_options::add);
        CHECK_THAT(open_error(fixture.location), Catch::Contains("group or others can write it"));
    }
    CHECK_FALSE(Transaction::begin(fixture.location, WhenMissing::fail));
    CHECK(read_bytes(fixture.location.store_file()) == before);
}


TEST_CASE("a store another user owns is refused", "[store][permissions]") {
    PassphraseStore fixture;
    if (::geteuid() != 0) {
        WARN("SKIPPED: giving a file to another user needs root");
        return;
    }
    const auto before = read_bytes(fixture.location.store_file());
    REQUIRE(::chown(fixture.location.store_file().c_str(), 65534, 65534) == 0);
    CHECK_THAT(open_error(fixture.location), Catch::Contains("owned by uid 65534"));
    CHECK_FALSE(Transaction::begin(fixture.location, WhenMissing::fail));
    CHECK(read_bytes(fixture.location.store_file()) == before);
}


TEST_CASE("a store file that is a symbolic link is refused", "[store][permissions]") {
    PassphraseStore fixture;
    const auto real = fixture.temp.path() / "real-store";
    std::filesystem::rename(fixture.location.store_file(), real);
    std::filesystem::create_symlink(real, fixture.location.store_file());
    CHECK_THAT(open_error(fixture.location), Catch::Contains("symbolic link"));
}

