# The helpers handle secrets: build them the way distributions build security-sensitive code.
# Position-independent everything (PIE executables, PIC for the Secret Service module).
include(CheckPIESupported)
check_pie_supported()
set(CMAKE_POSITION_INDEPENDENT_CODE ON)

add_library(keyhold_hardening INTERFACE)
target_compile_options(keyhold_hardening INTERFACE -fstack-protector-strong)
# Sanitizers replace the string functions _FORTIFY_SOURCE would check. (On Windows GCC's libssp
# provides the checkers, which the mingw toolchain file links.)
if(NOT KEYHOLD_INSTRUMENTED)
  target_compile_definitions(keyhold_hardening INTERFACE $<$<NOT:$<CONFIG:Debug>>:_FORTIFY_SOURCE=2>)
endif()
if(WIN32)
  # PE images with ASLR (high entropy) and DEP. No -fstack-clash-protection: GCC 12's mingw
  # target stops on it with an internal error (seh_emit_stackalloc).
  target_link_options(keyhold_hardening INTERFACE -Wl,--dynamicbase -Wl,--nxcompat -Wl,--high-entropy-va)
elseif(APPLE)
  # Apple's linker has no -z options: its executables are PIE with a non-executable stack
  # already, and dyld binds at load and then makes __DATA_CONST read-only. clang implements
  # -fstack-clash-protection for Linux and the BSDs only; on Darwin it would be an unused
  # argument (a warning, an error under KEYHOLD_WERROR).
else()
  target_compile_options(keyhold_hardening INTERFACE -fstack-clash-protection)
  target_link_options(keyhold_hardening INTERFACE -Wl,-z,relro -Wl,-z,now -Wl,-z,noexecstack)
endif()
