# The .deb and .rpm (docs/packaging.md): CPack over the install rules, two packages each.
#   keyhold                 the three programs, man pages, completions, systemd user units, docs
#   keyhold-secret-service  the Secret Service module (LIBDIR/keyhold/modules), which alone needs
#                           libsecret and GLib; `keyhold` recommends it, so a desktop gets it and
#                           `--no-install-recommends` (a headless machine, CI) does not.
#   keyhold-tpm2            the TPM 2.0 module (LIBDIR/keyhold/modules), which alone needs
#                           tpm2-tss (libtss2-esys, its TCTI loader, libcrypto); `keyhold`
#                           suggests it: a machine that keeps its key in the TPM installs it.
# Dependencies come from the files themselves: dpkg-shlibdeps for the .deb, rpmbuild's ELF
# dependency generator (sonames) for the .rpm. The programs link libstdc++, libgcc and libsodium
# statically (KEYHOLD_STATIC_RUNTIME), so they need libc and libcurl only.
#
# The package is made from the plain build, whatever its prefix: every install destination is
# relative, and the programs find the module relative to their own directory, so installing
# under /usr here (CPACK_PACKAGING_INSTALL_PREFIX) needs no rebuild.

set(KEYHOLD_PACKAGE_MAINTAINER "keyhold maintainers <maintainers@users.noreply.h-seed-1aaa57ad.example>"
    CACHE STRING "The packages' Maintainer (.deb) and Packager (.rpm)")
set(KEYHOLD_PACKAGE_RELEASE 1 CACHE STRING "The packages' Debian revision and RPM release")
# The repository has no license file yet: nothing grants a license, so the packages say so
# rather than guess one (packaging/copyright.in).
set(KEYHOLD_PACKAGE_LICENSE "LicenseRef-none-granted" CACHE STRING "The RPM License tag")

set(package_version ${PROJECT_VERSION}-${KEYHOLD_PACKAGE_RELEASE})
set(main_summary "org-synced credential helper for docker and git")
set(main_description
    "keyhold keeps the credentials a build machine or a laptop needs for an
organization's private registries and git repositories in one encrypted store
(libsodium's XChaCha20-Poly1305; the key protected by the desktop keyring or a
passphrase), with no password in the clear on disk.
docker-credential-keyhold speaks Docker's credential-helper protocol (docker,
BuildKit, podman, buildah, skopeo); git-credential-keyhold speaks git's.
keyhold creates and checks the store, pulls the org's registry credentials, git
token and build secrets into it (keyhold sync, with a systemd user timer), and
hands build secrets to a build.")
set(tpm2_summary "TPM 2.0 key protector for keyhold")
set(tpm2_description
    "The module through which keyhold seals its store key with the machine's
TPM 2.0 (tpm2-tss's ESAPI), so that no passphrase and no keyring is needed
(keyhold init --backend tpm2). Without it keyhold needs no tpm2-tss.")
set(module_summary "Secret Service key protector for keyhold")
set(module_description
    "The module through which keyhold keeps its store key in the desktop
keyring (GNOME Keyring, KWallet, KeePassXC) over the Secret Service
(libsecret). Without it keyhold works with a passphrase-protected store
only, and needs no GLib.")

# Debian wants copyright and changelog.Debian.gz in each package's doc directory. Only the
# packages get them (EXCLUDE_FROM_ALL: a component install, as CPack does, includes them).
string(TIMESTAMP changelog_date "%a, %d %b %Y %H:%M:%S +0000" UTC)  # honours SOURCE_DATE_EPOCH
foreach(component keyhold secret_service tpm2)
  if(component STREQUAL "keyhold")
    set(package keyhold)
  elseif(component STREQUAL "tpm2")
    set(package keyhold-tpm2)
  else()
    set(package keyhold-secret-service)
  endif()
  set(metadata ${PROJECT_BINARY_DIR}/packaging/${package})
  configure_file(${PROJECT_SOURCE_DIR}/packaging/copyright.in ${metadata}/copyright @ONLY)
  file(WRITE ${metadata}/changelog.Debian
       "${package} (${package_version}) unstable; urgency=medium\n\n"
       "  * Built by CPack from keyhold ${PROJECT_VERSION} (scripts/package.sh).\n\n"
       " -- ${KEYHOLD_PACKAGE_MAINTAINER}  ${changelog_date}\n")
  add_custom_command(OUTPUT ${metadata}/changelog.Debian.gz
                     COMMAND gzip -9n -c ${metadata}/changelog.Debian > ${metadata}/changelog.Debian.gz
                     DEPENDS ${metadata}/changelog.Debian VERBATIM)
  add_custom_target(keyhold_changelog_${component} ALL DEPENDS ${metadata}/changelog.Debian.gz)
  install(FILES ${metadata}/copyright ${metadata}/changelog.Debian.gz
          DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/${package} COMPONENT ${component} EXCLUDE_FROM_ALL)
  if(EXISTS ${PROJECT_SOURCE_DIR}/packaging/lintian/${package})
    install(FILES ${PROJECT_SOURCE_DIR}/packaging/lintian/${package}
            DESTINATION ${CMAKE_INSTALL_DATADIR}/lintian/overrides COMPONENT ${component} EXCLUDE_FROM_ALL)
  endif()
endforeach()

set(CPACK_PACKAGE_NAME keyhold)
# Each package has its own summary (the first line of its Debian description); CPackDeb puts a
# global summary before them unless it is CPack's default, which this is.
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_NAME} built using CMake")
set(CPACK_PACKAGE_VENDOR "keyhold")
set(CPACK_PACKAGE_CONTACT "${KEYHOLD_PACKAGE_MAINTAINER}")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_GENERATOR DEB RPM)
set(CPACK_PACKAGE_DIRECTORY ${PROJECT_BINARY_DIR}/packages)  # scripts/package.sh: -B dist
set(CPACK_STRIP_FILES ON)  # the packages carry no debug information (the build keeps it)
set(CPACK_COMPONENTS_ALL keyhold secret_service tpm2)
set(CPACK_COMPONENT_SECRET_SERVICE_DEPENDS keyhold)
set(CPACK_COMPONENT_TPM2_DEPENDS keyhold)

# .deb: name_version-revision_arch.deb
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_RELEASE ${KEYHOLD_PACKAGE_RELEASE})
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_SECTION utils)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_COMPRESSION_TYPE xz)
set(CPACK_DEBIAN_KEYHOLD_PACKAGE_NAME keyhold)
set(CPACK_DEBIAN_KEYHOLD_DESCRIPTION "${main_summary}\n${main_description}")
set(CPACK_DEBIAN_KEYHOLD_PACKAGE_RECOMMENDS keyhold-secret-service)
set(CPACK_DEBIAN_SECRET_SERVICE_PACKAGE_NAME keyhold-secret-service)
set(CPACK_DEBIAN_SECRET_SERVICE_DESCRIPTION "${module_summary}\n${module_description}")
# The module's ABI is this keyhold's (secret_service_abi.h): the same version, nothing else.
set(CPACK_DEBIAN_SECRET_SERVICE_PACKAGE_DEPENDS "keyhold (= ${package_version})")
set(CPACK_DEBIAN_KEYHOLD_PACKAGE_SUGGESTS keyhold-tpm2)
set(CPACK_DEBIAN_TPM2_PACKAGE_NAME keyhold-tpm2)
set(CPACK_DEBIAN_TPM2_DESCRIPTION "${tpm2_summary}\n${tpm2_description}")
# The same ABI rule (tpm2_abi.h). The TCTI for the kernel's resource manager is dlopened by name,
# which dpkg-shlibdeps cannot see: named here. libtss2-tctildr0 is found from the module's links.
set(CPACK_DEBIAN_TPM2_PACKAGE_DEPENDS "keyhold (= ${package_version}), libtss2-tcti-device0")

# .rpm: name-version-release.arch.rpm
set(CPACK_RPM_COMPONENT_INSTALL ON)
set(CPACK_RPM_FILE_NAME RPM-DEFAULT)
set(CPACK_RPM_PACKAGE_RELEASE ${KEYHOLD_PACKAGE_RELEASE})
set(CPACK_RPM_PACKAGE_LICENSE "${KEYHOLD_PACKAGE_LICENSE}")
set(CPACK_RPM_PACKAGE_GROUP "Applications/System")
set(CPACK_RPM_PACKAGE_AUTOREQ ON)   # Requires by soname: libc.so.6(GLIBC_2.34)(64bit), libcurl.so.4()(64bit)
set(CPACK_RPM_PACKAGE_AUTOPROV OFF) # the module is private to keyhold: it provides nothing to others
string(TIMESTAMP rpm_changelog_date "%a %b %d %Y" UTC)
file(WRITE ${PROJECT_BINARY_DIR}/packaging/rpm-changelog
     "* ${rpm_changelog_date} ${KEYHOLD_PACKAGE_MAINTAINER} - ${package_version}\n"
     "- Built by CPack from keyhold ${PROJECT_VERSION} (scripts/package.sh).\n")
set(CPACK_RPM_CHANGELOG_FILE ${PROJECT_BINARY_DIR}/packaging/rpm-changelog)
# Debian's own files stay out of the .rpm.
set(CPACK_RPM_KEYHOLD_USER_FILELIST
    "%exclude /usr/share/doc/keyhold/changelog.Debian.gz" "%exclude /usr/share/lintian/overrides/keyhold")
set(CPACK_RPM_SECRET_SERVICE_USER_FILELIST
    "%exclude /usr/share/doc/keyhold-secret-service/changelog.Debian.gz"
    "%exclude /usr/share/lintian/overrides/keyhold-secret-service")
set(CPACK_RPM_TPM2_USER_FILELIST
    "%exclude /usr/share/doc/keyhold-tpm2/changelog.Debian.gz" "%exclude /usr/share/lintian/overrides/keyhold-tpm2")
set(CPACK_RPM_KEYHOLD_PACKAGE_NAME keyhold)
set(CPACK_RPM_KEYHOLD_PACKAGE_SUMMARY "${main_summary}")
set(CPACK_RPM_KEYHOLD_PACKAGE_DESCRIPTION "${main_description}")
set(CPACK_RPM_SECRET_SERVICE_PACKAGE_NAME keyhold-secret-service)
set(CPACK_RPM_SECRET_SERVICE_PACKAGE_SUMMARY "${module_summary}")
set(CPACK_RPM_SECRET_SERVICE_PACKAGE_DESCRIPTION "${module_description}")
set(CPACK_RPM_SECRET_SERVICE_PACKAGE_REQUIRES "keyhold = ${package_version}")
set(CPACK_RPM_TPM2_PACKAGE_NAME keyhold-tpm2)
set(CPACK_RPM_TPM2_PACKAGE_SUMMARY "${tpm2_summary}")
set(CPACK_RPM_TPM2_PACKAGE_DESCRIPTION "${tpm2_description}")
set(CPACK_RPM_TPM2_PACKAGE_REQUIRES "keyhold = ${package_version}")
# CPack 3.25 has no Recommends variable; the spec's preamble takes it, for the main package only.
# (The quotes are escaped twice: CPack writes the value into CPackConfig.cmake as it is.)
set(CPACK_RPM_SPEC_MORE_DEFINE "%if \\\"%{name}\\\" == \\\"keyhold\\\"\nRecommends: keyhold-secret-service\n%endif")
# Directories the distributions own: the package must not claim them.
set(CPACK_RPM_EXCLUDE_FROM_AUTO_FILELIST_ADDITION
    /usr/lib/systemd /usr/lib/systemd/user /usr/share/man /usr/share/man/man1 /usr/share/doc
    /usr/share/bash-completion /usr/share/bash-completion/completions /usr/share/zsh
    /usr/share/zsh/vendor-completions /usr/share/fish /usr/share/fish/vendor_completions.d
    /usr/share/lintian /usr/share/lintian/overrides)

# Everything the packages hold that a build makes: scripts/package.sh builds this target, not
# the tests, before cpack.
add_custom_target(keyhold_package_files)
add_dependencies(keyhold_package_files keyhold docker-credential-keyhold git-credential-keyhold keyhold_secret_service
                 keyhold_tpm2 keyhold_changelog_keyhold keyhold_changelog_secret_service keyhold_changelog_tpm2)
if(TARGET keyhold_man_pages)
  add_dependencies(keyhold_package_files keyhold_man_pages)
endif()

include(CPack)
