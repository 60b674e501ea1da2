#include "secret_environment.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <string>

namespace keyhold::cli {
namespace {

struct Refusal {
    std::string_view name;  // the variable, or a prefix when it ends in '*'
    std::string_view why;
};

// Names read, by programs a build commonly runs, as code to load or run, as where to find
// programs or their configuration, or as where to send traffic and whom to trust. Compared
// without case: Windows' environment ignores it, and curl reads both http_proxy and
// HTTP_PROXY. A list can never be complete, so `keyhold exec` also exports only the secrets
// it is asked for by name; this list stops the names that would turn one such request, or a
// compromised org, into code execution.
constexpr std::array kRefusals = {
    Refusal{"LD_*", "the dynamic loader reads it to load code into every program"},
    Refusal{"DYLD_*", "macOS's dynamic loader reads it to load code into every program"},
    Refusal{"GLIBC_TUNABLES", "the C library reads it at start-up (CVE-2023-4911)"},
    Refusal{"GCONV_PATH", "the C library loads code from it"},
    Refusal{"MALLOC_*", "the C library's allocator reads it"},
    Refusal{"PATH", "it decides which program runs"},
    Refusal{"PATHEXT", "it decides which program runs (Windows)"},
    Refusal{"COMSPEC", "it names the shell Windows runs"},
    Refusal{"SHELL", "it names the shell programs run"},
    Refusal{"HOME", "programs read their configuration, and the code it names, from it"},
    Refusal{"XDG_CONFIG_HOME", "programs read their configuration, and the code it names, from it"},
    Refusal{"XDG_CONFIG_DIRS", "programs read their configuration, and the code it names, from it"},
    Refusal{"TMPDIR", "programs write and run temporary files from it"},
    Refusal{"BASH_ENV", "bash runs the file it names"},
    Refusal{"ENV", "sh runs the file it names"},
    Refusal{"BASH_FUNC_*", "bash imports it as a function"},
    Refusal{"SHELLOPTS", "it changes how bash runs scripts"},
    Refusal{"BASHOPTS", "it changes how bash runs scripts"},
    Refusal{"PS4", "bash expands it as code when tracing"},
    Refusal{"PROMPT_COMMAND", "bash runs it"},
    Refusal{"IFS", "it changes how shells split words"},
    Refusal{"CDPATH", "it changes where shell scripts cd to"},
    Refusal{"GLOBIGNORE", "it changes how shells expand names"},
    Refusal{"ZDOTDIR", "zsh runs the start-up files it names"},
    Refusal{"PYTHON*", "Python reads it to load or run code"},
    Refusal{"PERL5*", "perl reads it to load or run code"},
    Refusal{"PERLLIB", "perl loads code from it"},
    Refusal{"PERLIO", "perl loads code from it"},
    Refusal{"RUBYOPT", "ruby reads it to load code"},
    Refusal{"RUBYLIB", "ruby loads code from it"},
    Refusal{"GEM_HOME", "ruby loads code from it"},
    Refusal{"GEM_PATH", "ruby loads code from it"},
    Refusal{"BUNDLE_GEMFILE", "bundler loads the code it names"},
    Refusal{"BUNDLE_PATH", "bundler loads code from it"},
    Refusal{"BUNDLE_APP_CONFIG", "bundler reads its configuration from it"},
    Refusal{"NODE_OPTIONS", "node reads it to load code"},
    Refusal{"NODE_PATH", "node loads code from it"},
    Refusal{"NODE_EXTRA_CA_CERTS", "node trusts the certificates it names"},
    Refusal{"NPM_CONFIG_*", "npm reads it as configuration (scripts, registries)"},
    Refusal{"JAVA_TOOL_OPTIONS", "the JVM reads it to load code"},
    Refusal{"_JAVA_OPTIONS", "the JVM reads it to load code"},
    Refusal{"JDK_JAVA_OPTIONS", "the JVM reads it to load code"},
    Refusal{"CLASSPATH", "the JVM loads code from it"},
    Refusal{"DOTNET_*", ".NET reads it to load code"},
    Refusal{"COR_*", ".NET loads profilers from it"},
    Refusal{"CORECLR_*", ".NET loads profilers from it"},
    Refusal{"PSMODULEPATH", "PowerShell loads modules from it"},
    Refusal{"GIT_*", "git reads it to run programs or to find its configuration"},
    Refusal{"CC", "builds run the compiler it names"},
    Refusal{"CXX", "builds run the compiler it names"},
    Refusal{"CPP", "builds run the preprocessor it names"},
    Refusal{"LD", "builds run the linker it names"},
    Refusal{"CFLAGS", "compilers read it (plugins, -wrapper)"},
    Refusal{"CXXFLAGS", "compilers read it (plugins, -wrapper)"},
    Refusal{"CPPFLAGS", "compilers read it (plugins, -wrapper)"},
    Refusal{"LDFLAGS", "linkers read it (plugins)"},
    Refusal{"MAKEFLAGS", "make reads it (SHELL=, -f)"},
    Refusal{"MAKEFILES", "make reads the makefiles it names"},
    Refusal{"GOFLAGS", "go reads it (-toolexec runs a program)"},
    Refusal{"GOENV", "go reads its configuration from it"},
    Refusal{"GOTOOLCHAIN", "go fetches and runs the toolchain it names"},
    Refusal{"GOROOT", "go runs its tools from it"},
    Refusal{"RUSTC", "cargo runs the compiler it names"},
    Refusal{"RUSTC_WRAPPER", "cargo runs the program it names"},
    Refusal{"RUSTC_WORKSPACE_WRAPPER", "cargo runs the program it names"},
    Refusal{"RUSTFLAGS", "rustc reads it (linkers, plugins)"},
    Refusal{"RUSTDOCFLAGS", "rustdoc reads it"},
    Refusal{"CARGO_HOME", "cargo reads its configuration from it"},
    Refusal{"CARGO_BUILD_*", "cargo reads it as configuration (wrappers, flags)"},
    Refusal{"CARGO_TARGET_*", "cargo reads it as configuration (linkers, runners)"},
    Refusal{"CARGO_ENCODED_RUSTFLAGS", "rustc reads it (linkers, plugins)"},
    Refusal{"MAVEN_OPTS", "maven's JVM reads it (-javaagent)"},
    Refusal{"GRADLE_OPTS", "gradle's JVM reads it (-javaagent)"},
    Refusal{"JAVA_OPTS", "Java launchers read it (-javaagent)"},
    Refusal{"PIP_INDEX_URL", "pip installs, and runs, what the index it names serves"},
    Refusal{"PIP_EXTRA_INDEX_URL", "pip installs, and runs, what the index it names serves"},
    Refusal{"PIP_FIND_LINKS", "pip installs, and runs, what it names"},
    Refusal{"PIP_CONFIG_FILE", "pip reads its configuration from it"},
    Refusal{"PIP_TRUSTED_HOST", "pip stops checking the hosts it names"},
    Refusal{"KUBECONFIG", "kubectl runs the exec plugins of the file it names"},
    Refusal{"AWS_CONFIG_FILE", "the AWS tools run the credential_process of the file it names"},
    Refusal{"AWS_SHARED_CREDENTIALS_FILE", "the AWS tools read credentials from the file it names"},
    Refusal{"SUDO_ASKPASS", "sudo runs what it names"},
    Refusal{"SSH_ASKPASS", "programs run what it names"},
    Refusal{"SSH_AUTH_SOCK", "ssh signs with the agent it names"},
    Refusal{"EDITOR", "programs run what it names"},
    Refusal{"VISUAL", "programs run what it names"},
    Refusal{"PAGER", "programs run what it names"},
    Refusal{"MANPAGER", "programs run what it names"},
    Refusal{"BROWSER", "programs run what it names"},
    Refusal{"LESSOPEN", "less runs what it names"},
    Refusal{"LESSCLOSE", "less runs what it names"},
    Refusal{"OPENSSL_*", "OpenSSL loads configuration and engines from it"},
    Refusal{"SSL_CERT_*", "TLS clients trust the certificates it names"},
    Refusal{"CURL_CA_BUNDLE", "curl trusts the certificates it names"},
    Refusal{"REQUESTS_CA_BUNDLE", "Python's requests trusts the certificates it names"},
    Refusal{"*_PROXY", "clients send their traffic, credentials included, where it says"},
    Refusal{"HOSTALIASES", "the resolver reads host names from it"},
    Refusal{"RES_OPTIONS", "the resolver reads it"},
    Refusal{"LOCALDOMAIN", "the resolver reads it"},
    Refusal{"DOCKER_HOST", "docker sends its commands, and registry credentials, to the daemon it names"},
    Refusal{"DOCKER_CONTEXT", "docker sends its commands, and registry credentials, to the daemon it names"},
    Refusal{"DOCKER_CONFIG", "docker reads its configuration, credential helpers included, from it"},
    Refusal{"DOCKER_CERT_PATH", "docker trusts the certificates it names"},
    Refusal{"DOCKER_TLS_VERIFY", "docker decides from it whether to check its daemon"},
    Refusal{"BUILDKIT_*", "BuildKit reads it as configuration"},
    Refusal{"REGISTRY_AUTH_FILE", "podman, buildah and skopeo read credentials from it"},
    Refusal{"CONTAINERS_*", "podman, buildah and skopeo read configuration from it"},
    // Windows: what cmd, the loader and PowerShell read (names there ignore case, as here).
    Refusal{"COMSPEC", "programs that start a shell run what it names"},
    Refusal{"PATHEXT", "it decides which files run as programs"},
    Refusal{"SYSTEMROOT", "Windows programs load system DLLs from it"},
    Refusal{"WINDIR", "Windows programs load system DLLs from it"},
    Refusal{"PSMODULEPATH", "PowerShell loads modules from it"},
    Refusal{"__COMPAT_LAYER", "Windows applies the compatibility shims it names"},
    Refusal{"KEYHOLD_*", "keyhold's own settings come from the machine, never from a build secret"},
};

bool equal_ignoring_case(std::string_view a, std::string_view b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
        return std::toupper(static_cast<unsigned char>(x)) == std::toupper(static_cast<unsigned char>(y));
    });
}

bool refusal_covers(std::string_view pattern, std::string_view name) {
    if (pattern.starts_with('*')) {
        const std::string_view suffix = pattern.substr(1);
        return name.size() >= suffix.size() && equal_ignoring_case(name.substr(name.size() - suffix.size()), suffix);
    }
    if (pattern.ends_with('*')) {
        const std::string_view prefix = pattern.substr(0, pattern.size() - 1);
        return name.size() >= prefix.size() && equal_ignoring_case(name.substr(0, prefix.size()), prefix);
    }
    return equal_ignoring_case(pattern, name);
}

}  // namespace

std::optional<std::string_view> why_never_exported(std::string_view name) {
    for (const Refusal& refusal : kRefusals) {
        if (refusal_covers(refusal.name, name)) {
            return refusal.why;
        }
    }
    return std::nullopt;
}

}  // namespace keyhold::cli
