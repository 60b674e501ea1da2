# clang with Debian 12's libstdc++ 12, as the fuzz build uses it.
#
# keyhold's Result is std::expected. libstdc++ 12's <expected> hides itself unless
# __cpp_concepts >= 202002L, the value for conditionally trivial special members (P0848).
# clang implements P0848 from 16 on but reports 202002L only from 19: tell libstdc++ what
# clang 16 to 18 can do. clang 14 (bookworm's default) cannot compile <expected> at all.
# Not on macOS, where clang (Apple's, "AppleClang", or Homebrew's) uses libc++.
if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang" AND NOT APPLE)
  if(CMAKE_CXX_COMPILER_VERSION VERSION_LESS 16)
    message(FATAL_ERROR "clang ${CMAKE_CXX_COMPILER_VERSION} cannot compile libstdc++'s std::expected: "
                        "use clang++-16 (Debian package clang-16)")
  elseif(CMAKE_CXX_COMPILER_VERSION VERSION_LESS 19)
    add_compile_options(-U__cpp_concepts -D__cpp_concepts=202002L)
  endif()
endif()
