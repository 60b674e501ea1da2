# Warnings apply to keyhold's own targets only (third-party headers are SYSTEM).
add_library(keyhold_warnings INTERFACE)
target_compile_options(keyhold_warnings INTERFACE -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor
                                                  -Wcast-qual -Wformat=2 -Wimplicit-fallthrough)
if(KEYHOLD_WERROR)
  target_compile_options(keyhold_warnings INTERFACE -Werror)
endif()
