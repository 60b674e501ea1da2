#pragma once
// A fresh passphrase-protected store in a temporary KEYHOLD_HOME: the protector every machine
// has, so tests that are not about the Secret Service need nothing running.

#include "support/catch.hpp"

#include "keyhold/store/store.hpp"
#include "support/test_support.hpp"

namespace keyhold::testing {

struct TempPassphraseStore {
    TempDir temp;
    store::StoreLocation location{temp.path() / "keyhold"};
    ScopedEnv home{"KEYHOLD_HOME", location.directory.string()};
    ScopedEnv passphrase{"KEYHOLD_PASSPHRASE", "correct horse battery staple"};

    TempPassphraseStore() { REQUIRE(store::create_store(location, "passphrase")); }

    std::filesystem::path store_file() const { return location.store_file(); }
};

}  // namespace keyhold::testing
