// Build secrets: never served to docker or git; given to a build on request, either printed
// (`keyhold secret get NAME`) or put in one command's environment (`keyhold exec`). Everything
// keyhold says about them otherwise shows *** for the value.


#include <algorithm>
#include <chrono>
#include <iostream>
#include <map>

#include "keyhold/encoding/display_text.hpp"
#include "commands.hpp"
#include "secret_environment.hpp"
#include "keyhold/clock.hpp"
#include "keyhold/platform/files.hpp"
#include "keyhold/platform/process.hpp"
#include "keyhold/store/serving.hpp"
#include "keyhold/store/store.hpp"

namespace keyhold::cli {
namespace {

// The build secrets that are served now, by name (store/serving.hpp decides which).
struct ServedSecrets {
    store::OpenStore store;
    std::map<std::string_view, const store::Entry*> by_name;
};

Result<ServedSecrets> served_secrets(const Settings& settings) {
    auto located = store::open_located_store(settings);
    if (!located) {
        return std::unexpected(located.error());
    }
    if (!located->store) {
        return fail("there is no keyhold store in " + located->location.directory.string() + " yet");
    }
    ServedSecrets served{std::move(*located->store), {}};
    const store::ServingPolicy policy(located->location, served.store.entries, unix_now());
    for (const store::Entry* entry : policy.served(store::EntryKind::build_secret)) {
        served.by_name.emplace(entry->key, entry);
    }
    return served;
}

Error unknown_secret(std::string_view name) {
    return Error{"there is no build secret named '" + encoding::printable(name, 100) +
                 "' (see `keyhold secret list`; stale sources serve none)"};
}

}  // namespace

Result<void> run_secret_get(const std::string& name, const Settings& settings) {
    auto served = served_secrets(settings);
    if (!served) {
        return std::unexpected(served.error());
    }
    const auto found = served->by_name.find(name);
    if (found == served->by_name.end()) {
        return std::unexpected(unknown_secret(name));
    }
    // Exactly the value, no newline: `src=` files and `$(…)` both get the bytes the org saved.
    return platform::write_all(platform::kStandardOutput, found->second->secret.expose());
}

Result<void> run_secret_list(const Settings& settings) {
    auto served = served_secrets(settings);
    if (!served) {
        return std::unexpected(served.error());
    }
    for (const auto& [name, entry] : served->by_name) {
        std::cout << name << "=***\t(from " << entry->origin << ")\n";
    }
    return {};
}

namespace {

// The command's environment: this process's, without keyhold's own secrets, with the build
// secrets `options` names.
Result<std::vector<std::string>> exec_environment(const ExecOptions& options, const Settings& settings) {
    if (options.command.empty()) {
        return fail("no command to run: keyhold exec --secret NAME [--secret NAME ...] -- COMMAND [ARGUMENT ...]");
    }
    if (options.secrets.empty() == !options.all_secrets) {
        return fail("name the build secrets the command gets, with --secret NAME (repeatable), or pass "
                    "--all-secrets; not both");
    }
    for (const std::string& name : options.secrets) {
        if (const auto why = why_never_exported(name)) {
            return fail("build secret '" + encoding::printable(name, 100) + "' is never put into a command's environment: " +
                        std::string(*why) + "; give it another name in the org's build secrets");
        }
    }
    auto served = served_secrets(settings);
    if (!served) {
        return std::unexpected(served.error());
    }
    std::vector<std::string_view> names(options.secrets.begin(), options.secrets.end());
    if (options.all_secrets) {
        for (const auto& [name, entry] : served->by_name) {
            if (const auto why = why_never_exported(name)) {
                std::cerr << "keyhold: not exporting build secret '" << name << "': " << *why << '\n';
                continue;
            }
            names.push_back(name);
        }
    }
    // keyhold's own secrets are for keyhold alone; a variable named like a secret is replaced by it.
    std::vector<std::string_view> dropped(platform::kKeyholdSecretVariables.begin(),
                                          platform::kKeyholdSecretVariables.end());
    dropped.insert(dropped.end(), names.begin(), names.end());
    std::vector<std::string> environment = platform::environment_without(dropped);
    for (std::string_view name : names) {
        const auto found = served->by_name.find(name);
        if (found == served->by_name.end()) {
            return std::unexpected(unknown_secret(name));
        }
        const std::string_view value = found->second->secret.expose();
        if (value.find('\0') != std::string_view::npos) {
            // Synced stores refuse these (org_api.cpp); an older store may still hold one.
            return fail("build secret '" + std::string(name) +
                        "' holds a NUL byte, which no environment variable can hold; it is not exported");
        }
        environment.push_back(std::string(name) + "=" + std::string(value));
    }
    return environment;
}

}  // namespace

Result<void> run_exec(const ExecOptions& options, const Settings& settings) {
    // The decrypted store ends with exec_environment(): on Windows keyhold waits for the command
    // (there is no exec) and keeps only the variables it passes, until it ends.
    auto environment = exec_environment(options, settings);
    if (!environment) {
        return std::unexpected(environment.error());
    }
    return std::unexpected(platform::replace_process(options.command, std::move(*environment)));
}

}  // namespace keyhold::cli
