// Finding a protector by name in this build's table (protector_table.cpp of each OS).

#include <algorithm>
#include <array>
#include <utility>

#include "keyhold/encoding/display_text.hpp"
#include "keyhold/platform/key_protector.hpp"

namespace keyhold::platform {
namespace {

// Names a user may meet in another OS's store header or documentation, and why this build
// has no such protector: a clearer answer than "unknown".
constexpr std::array<std::pair<std::string_view, std::string_view>, 5> kProtectorsElsewhere = {{
    // A key kept only there would be gone at the next reboot, and the store with it.
    {"kernel-keyring", "the kernel keyring is keyhold's short-lived cache in front of every protector, not a "
                       "protector of its own (a key only there is lost at reboot)"},
    {"secret-service", "the secret-service protector exists only on Linux"},
    {"macos-keychain", "the macos-keychain protector exists only on macOS"},
    {"windows-dpapi", "the windows-dpapi protector exists only on Windows"},
    {"tpm2", "the tpm2 protector exists only on Linux"},
}};

std::string names_of_this_build() {
    std::string names;
    for (const ProtectorKind& kind : protector_kinds()) {
        names += (names.empty() ? "" : ", ") + std::string(kind.name);
    }
    return names;
}

}  // namespace

Result<std::unique_ptr<KeyProtector>> make_key_protector(std::string_view name, const ProtectorOptions& options) {
    const auto kinds = protector_kinds();
    if (const auto kind = std::ranges::find(kinds, name, &ProtectorKind::name); kind != kinds.end()) {
        return kind->make(options);
    }
    if (const auto elsewhere = std::ranges::find(kProtectorsElsewhere, name, &std::pair<std::string_view, std::string_view>::first);
        elsewhere != kProtectorsElsewhere.end()) {
        return fail(std::string(elsewhere->second) + "; here use " + names_of_this_build());
    }
    return fail("unknown key protector '" + encoding::printable(name, 64) + "'; choose one of " + names_of_this_build() +
                " (see `keyhold init --help`)");
}

}  // namespace keyhold::platform
