# Warnings apply to keyhold's own targets only (third-party headers are SYSTEM).
add_library(keyhold_warnings INTERFACE)
target_compile_options(keyhold_warnings INTERFACE -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor
                                                  -Wcast-qual -Wformat=2 -Wimplicit-fallthrough)
if(KEYHOLD_WERROR)
  target_compile_options(keyhold_warnings INTERFACE -Werror)
endif()
# GCC 12 at -O3 reports -Wrestrict on std::string concatenation that cannot overlap
# (GCC bug 105329, fixed in 13): silence that one false positive rather than contort code.
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
  target_compile_options(keyhold_warnings INTERFACE -Wno-restrict)
endif()
