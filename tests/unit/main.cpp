#define CATCH_CONFIG_RUNNER
#include "support/catch.hpp"

#include "keyhold/platform/process.hpp"

int main(int argc, char* argv[]) {
    keyhold::platform::harden_process();  // libsodium ready, as in every keyhold executable
    return Catch::Session().run(argc, argv);
}
