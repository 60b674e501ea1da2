# The helpers handle secrets: build them the way distributions build security-sensitive code.
# Position-independent everything (PIE executables, PIC for the Secret Service module).
include(CheckPIESupported)
check_pie_supported()
set(CMAKE_POSITION_INDEPENDENT_CODE ON)

add_library(keyhold_hardening INTERFACE)
target_compile_options(keyhold_hardening INTERFACE -fstack-protector-strong -fstack-clash-protection)
# ELF only: PE's ld has no -z. Its own defaults (binutils >= 2.36) already give a Windows .exe
# ASLR and DEP: DYNAMIC_BASE, HIGH_ENTROPY_VA, NX_COMPAT.
if(NOT WIN32)
  target_link_options(keyhold_hardening INTERFACE -Wl,-z,relro -Wl,-z,now -Wl,-z,noexecstack)
endif()
# Sanitizers replace the string functions _FORTIFY_SOURCE would check.
if(NOT KEYHOLD_INSTRUMENTED)
  target_compile_definitions(keyhold_hardening INTERFACE $<$<NOT:$<CONFIG:Debug>>:_FORTIFY_SOURCE=2>)
endif()
