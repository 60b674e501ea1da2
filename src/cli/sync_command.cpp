#include <iostream>

#include "commands.hpp"
#include "duration.hpp"
#include "keyhold/sync/sync_engine.hpp"

namespace keyhold::cli {

Result<void> run_sync(const SyncOptions& options, const Settings& settings) {
    sync::SyncSettings sync_settings;
    if (options.if_older_than) {
        auto age = parse_duration(*options.if_older_than);
        if (!age) {
            return std::unexpected(age.error());
        }
        sync_settings.if_older_than = *age;
    }
    if (options.timeout) {
        auto timeout = parse_duration(*options.timeout);
        // A day is more than any sync needs, and far from where a steady_clock deadline overflows.
        constexpr std::chrono::seconds kLongestTimeout{24 * 3600};
        if (!timeout || timeout->count() == 0 || *timeout > kLongestTimeout) {
            return fail("--timeout wants a duration from one second to a day, such as 2m");
        }
        sync_settings.source_deadline = std::chrono::duration_cast<std::chrono::milliseconds>(*timeout);
    }
    auto location = store::locate_store(settings);
    if (!location) {
        return std::unexpected(location.error());
    }
    auto reports = sync::sync_sources(*location, options.source, sync_settings);
    if (!reports) {
        return std::unexpected(reports.error());
    }
    int failures = 0;
    for (const sync::SourceReport& report : *reports) {
        std::cout << report.name << ": " << report.summary << '\n';
        failures += report.ok ? 0 : 1;
    }
    // The containers tools ask keyhold only for the registries their credHelpers name.
    const auto followed = follow_served_registries(*location);
    if (failures > 0) {
        return fail(std::to_string(failures) + " of " + std::to_string(reports->size()) +
                    " sources did not sync (see above)" +
                    (followed ? "" : "; the containers tools' credHelpers are not current either"));
    }
    if (!followed) {
        return fail("synced, but the containers tools' credHelpers are not current: " + followed.error().message);
    }
    return {};
}

}  // namespace keyhold::cli
