#define CATCH_CONFIG_RUNNER
#include "support/catch.hpp"

#include "keyhold/platform/process.hpp"
#include "keyhold/settings.hpp"
#include "keyhold/store/store.hpp"

int main(int argc, char* argv[]) {
    keyhold::platform::harden_process();  // libsodium ready, as in every keyhold executable
    // The store tests' writes start this program again as their generation recorder (store.hpp).
    if (const auto recorded = keyhold::store::run_as_generation_recorder(
            argc, argv, keyhold::settings_from_environment().key_cache_lifetime)) {
        return *recorded;
    }
    return Catch::Session().run(argc, argv);
}
