#include <iostream>

#include "commands.hpp"
#include "duration.hpp"
#include "keyhold/sync/sync_engine.hpp"

namespace keyhold::cli {

Result<void> run_sync(const SyncOptions& options) {
    sync::SyncSettings settings;
    if (options.if_older_than) {
        auto age = parse_duration(*options.if_older_than);
        if (!age) {
            return std::unexpected(age.error());
        }
        settings.if_older_than = *age;
    }
    if (options.timeout) {
        auto timeout = parse_duration(*options.timeout);
        if (!timeout || timeout->count() == 0) {
            return fail("--timeout wants a duration of at least one second, such as 30s");
        }
        settings.source_deadline = std::chrono::duration_cast<std::chrono::milliseconds>(*timeout);
    }
    auto location = store::locate_store();
    if (!location) {
        return std::unexpected(location.error());
    }
    auto reports = sync::sync_sources(*location, options.source, settings);
    if (!reports) {
        return std::unexpected(reports.error());
    }
    int failures = 0;
    for (const sync::SourceReport& report : *reports) {
        std::cout << report.name << ": " << report.summary << '\n';
        failures += report.ok ? 0 : 1;
    }
    if (failures > 0) {
        return fail(std::to_string(failures) + " of " + std::to_string(reports->size()) +
                    " sources did not sync (see above)");
    }
    return {};
}

}  // namespace keyhold::cli
