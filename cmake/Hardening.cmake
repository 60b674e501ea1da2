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
  # Apple's linker makes PIE images with a non-executable stack and knows no -z options.
  target_compile_options(keyhold_hardening INTERFACE -fstack-clash-protection)
else()
  target_compile_options(keyhold_hardening INTERFACE -fstack-clash-protection)
  target_link_options(keyhold_hardening INTERFACE -Wl,-z,relro -Wl,-z,now -Wl,-z,noexecstack)
endif()
