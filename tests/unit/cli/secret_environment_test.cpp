#include "support/catch.hpp"

#include "cli/secret_environment.hpp"

using keyhold::cli::why_never_exported;

TEST_CASE("names that make programs load or run something are never exported", "[cli]") {
    for (const char* name : {"LD_PRELOAD", "LD_LIBRARY_PATH", "ld_audit", "DYLD_INSERT_LIBRARIES", "BASH_ENV", "ENV",
                             "BASH_FUNC_ls%%", "PATH", "Path", "ComSpec", "PATHEXT", "SystemRoot", "windir", "PSModulePath", "PYTHONPATH", "PERL5OPT", "RUBYOPT", "NODE_OPTIONS",
                             "JAVA_TOOL_OPTIONS", "GIT_SSH_COMMAND", "GIT_CONFIG_PARAMETERS", "https_proxy",
                             "HTTP_PROXY", "ALL_PROXY", "GLIBC_TUNABLES", "DOCKER_HOST", "KEYHOLD_PASSPHRASE",
                             "SSL_CERT_FILE", "HOME", "PROMPT_COMMAND", "NPM_CONFIG_SCRIPT_SHELL", "GOFLAGS", "CC",
                             "RUSTC_WRAPPER", "MAKEFLAGS", "KUBECONFIG", "AWS_CONFIG_FILE", "MAVEN_OPTS",
                             "SUDO_ASKPASS", "CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_RUNNER", "PIP_INDEX_URL",
                             "RUBYOPT", "GEM_PATH", "BUNDLE_GEMFILE"}) {
        INFO(name);
        const auto why = why_never_exported(name);
        REQUIRE(why);
        CHECK_FALSE(why->empty());
    }
}

TEST_CASE("ordinary build secret names are exported", "[cli]") {
    for (const char* name : {"NPM_TOKEN", "DOCKER_PASSWORD", "SONAR_TOKEN", "AWS_SECRET_ACCESS_KEY", "PATHFINDER_KEY",
                             "MY_LD_KEY", "ENVIRONMENT", "GITHUB_TOKEN", "PROXY_PASSWORD",
                             // Credentials the tools of a release read by these names.
                             "GEM_HOST_API_KEY", "RUBYGEMS_API_KEY", "BUNDLE_RUBYGEMS__PKG__GITHUB__COM",
                             "CARGO_REGISTRY_TOKEN", "TWINE_PASSWORD", "AWS_ACCESS_KEY_ID", "CCACHE_SECRET"}) {
        INFO(name);
        CHECK_FALSE(why_never_exported(name));
    }
}
