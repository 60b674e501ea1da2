# Cross-compiles keyhold for Windows x86_64 with Debian 12's mingw-w64 (GCC 12), against the
# static third-party libraries that scripts/windows-deps.sh builds and stages:
#   prefix=$(scripts/windows-deps.sh)
#   cmake -S . -B build-windows -DCMAKE_TOOLCHAIN_FILE=cmake/toolchains/mingw-w64-x86_64.cmake \
#         -DKEYHOLD_WINDOWS_DEPS="$prefix"
# The prefix comes from -DKEYHOLD_WINDOWS_DEPS, else the environment's KEYHOLD_WINDOWS_DEPS,
# else ${KEYHOLD_CACHE:-/var/cache/keyhold}/windows-deps/current (the last one the script made).
#
# What a project gets:
#   - find_package(nlohmann_json), find_package(CLI11), find_package(Catch2) find the prefix's
#     copies of Debian's package files, whose include directory holds only those libraries
#     (never /usr/include: glibc's headers break mingw's);
#   - pkg_check_modules(libsodium / libcurl) and find_library(libsodium.a) find the prefix's
#     static builds; pkg-config answers with --static flags (Libs.private: ws2_32, crypt32…);
#   - executables linked with -static: no DLL beside them but Windows' own;
#   - CMAKE_CROSSCOMPILING_EMULATOR = scripts/wine-run.sh, so add_test(COMMAND <target>) and
#     catch_discover_tests run the .exe under wine64.

set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR AMD64)
set(KEYHOLD_WINDOWS_TRIPLET x86_64-w64-mingw32)

# The posix thread model: GCC 12's win32 model has no std::thread, std::mutex or
# std::condition_variable. The -posix drivers link winpthreads (statically, with -static).
set(CMAKE_C_COMPILER ${KEYHOLD_WINDOWS_TRIPLET}-gcc-posix)
set(CMAKE_CXX_COMPILER ${KEYHOLD_WINDOWS_TRIPLET}-g++-posix)
# The "-posix" suffix hides the triplet prefix from CMake's tool guessing, which would take the
# host's ar and ranlib: name the cross binutils.
find_program(CMAKE_AR ${KEYHOLD_WINDOWS_TRIPLET}-gcc-ar-posix REQUIRED)
find_program(CMAKE_RANLIB ${KEYHOLD_WINDOWS_TRIPLET}-gcc-ranlib-posix REQUIRED)
find_program(CMAKE_RC_COMPILER ${KEYHOLD_WINDOWS_TRIPLET}-windres REQUIRED)
find_program(CMAKE_OBJDUMP ${KEYHOLD_WINDOWS_TRIPLET}-objdump)
find_program(CMAKE_STRIP ${KEYHOLD_WINDOWS_TRIPLET}-strip)

# The deps prefix. A cache variable so that try_compile projects, which re-read this file,
# see the same one (CMAKE_TRY_COMPILE_PLATFORM_VARIABLES below).
if(NOT KEYHOLD_WINDOWS_DEPS)
  if(DEFINED ENV{KEYHOLD_WINDOWS_DEPS} AND NOT "$ENV{KEYHOLD_WINDOWS_DEPS}" STREQUAL "")
    set(_keyhold_deps "$ENV{KEYHOLD_WINDOWS_DEPS}")
  elseif(DEFINED ENV{KEYHOLD_CACHE} AND NOT "$ENV{KEYHOLD_CACHE}" STREQUAL "")
    set(_keyhold_deps "$ENV{KEYHOLD_CACHE}/windows-deps/current")
  else()
    set(_keyhold_deps "/var/cache/keyhold/windows-deps/current")
  endif()
  # The resolved directory, not the "current" link: a later windows-deps.sh run (another
  # toolchain or source version) must not change an existing build tree under its feet.
  get_filename_component(_keyhold_deps "${_keyhold_deps}" REALPATH)
  set(KEYHOLD_WINDOWS_DEPS "${_keyhold_deps}" CACHE PATH
      "Prefix of keyhold's Windows third-party libraries (scripts/windows-deps.sh prints it)")
  unset(_keyhold_deps)
endif()
if(NOT EXISTS "${KEYHOLD_WINDOWS_DEPS}/.complete")
  message(FATAL_ERROR "No complete Windows deps prefix at '${KEYHOLD_WINDOWS_DEPS}': "
                      "run scripts/windows-deps.sh and pass its output as -DKEYHOLD_WINDOWS_DEPS=…")
endif()
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES KEYHOLD_WINDOWS_DEPS)

# Headers, libraries and CMake packages come from mingw-w64's sysroot and the deps prefix only;
# programs (pkg-config, wine) from the host.
set(CMAKE_FIND_ROOT_PATH /usr/${KEYHOLD_WINDOWS_TRIPLET} "${KEYHOLD_WINDOWS_DEPS}")
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
set(CMAKE_FIND_LIBRARY_SUFFIXES .a)

# The prefix's pkg-config wrapper: PKG_CONFIG_LIBDIR is the prefix's lib/pkgconfig alone, and
# --static always, since the prefix has static libraries only.
set(PKG_CONFIG_EXECUTABLE "${KEYHOLD_WINDOWS_DEPS}/bin/${KEYHOLD_WINDOWS_TRIPLET}-pkg-config"
    CACHE FILEPATH "pkg-config for the Windows deps prefix")

# Every third-party library is a static one. Their headers otherwise declare each function
# __declspec(dllimport): libsodium unless SODIUM_STATIC, libcurl unless CURL_STATICLIB. The .pc
# files carry both, but find_library(libsodium.a) users never read the .pc's Cflags.
set(CMAKE_C_FLAGS_INIT "-DSODIUM_STATIC=1 -DCURL_STATICLIB")
set(CMAKE_CXX_FLAGS_INIT "-DSODIUM_STATIC=1 -DCURL_STATICLIB")
# -static: libstdc++, libgcc and winpthread linked in, so the .exe needs no DLL of the
# toolchain's. -fstack-protector-strong at link time only makes the driver add GCC's libssp
# (static, with -static): mingw-w64 10 has no __stack_chk_fail, __stack_chk_guard or the
# _FORTIFY_SOURCE checkers (__memcpy_chk…) in its CRT, and keyhold's Hardening.cmake passes
# -fstack-protector-strong and -D_FORTIFY_SOURCE=2 to the compiler only.
set(CMAKE_EXE_LINKER_FLAGS_INIT "-static -fstack-protector-strong")
set(CMAKE_SHARED_LINKER_FLAGS_INIT "-static -fstack-protector-strong")
set(CMAKE_MODULE_LINKER_FLAGS_INIT "-static -fstack-protector-strong")

# Tests and test discovery run the .exe under wine64 with a private WINEPREFIX.
get_filename_component(_keyhold_source "${CMAKE_CURRENT_LIST_DIR}/../.." ABSOLUTE)
set(CMAKE_CROSSCOMPILING_EMULATOR "${_keyhold_source}/scripts/wine-run.sh")
unset(_keyhold_source)
