# The sanitizer builds CI runs next to the normal one. KEYHOLD_SANITIZE picks one:
#   ON or address: ASan+UBSan (what ON has always meant), for every test;
#   thread: ThreadSanitizer, for the unit tests (scripts/test.sh builds only those with it).
# KEYHOLD_FUZZ builds libFuzzer targets (tests/fuzz), which always run under ASan+UBSan.
# KEYHOLD_INSTRUMENTED tells the rest of the build that some sanitizer runtime is linked in:
# it then wants shared runtimes and no _FORTIFY_SOURCE.
set(KEYHOLD_INSTRUMENTED OFF)
string(TOLOWER "${KEYHOLD_SANITIZE}" keyhold_sanitizer)
if(keyhold_sanitizer STREQUAL "thread")
  if(KEYHOLD_FUZZ)
    message(FATAL_ERROR "KEYHOLD_SANITIZE=thread and KEYHOLD_FUZZ do not mix: libFuzzer runs under ASan+UBSan")
  endif()
  add_compile_options(-fsanitize=thread -fno-omit-frame-pointer)
  add_link_options(-fsanitize=thread)
  set(KEYHOLD_INSTRUMENTED ON)
elseif(keyhold_sanitizer STREQUAL "address" OR (KEYHOLD_SANITIZE AND keyhold_sanitizer MATCHES "^(on|yes|true|1)$"))
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
  set(KEYHOLD_INSTRUMENTED ON)
elseif(KEYHOLD_SANITIZE)
  message(FATAL_ERROR "KEYHOLD_SANITIZE=${KEYHOLD_SANITIZE}: use OFF, ON (or address) for ASan+UBSan, or thread")
endif()

if(KEYHOLD_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "KEYHOLD_FUZZ needs clang (libFuzzer): configure with CMAKE_CXX_COMPILER=clang++-16")
  endif()
  # Coverage feedback and sanitizers for every library; only the targets link libFuzzer's main
  # (-fsanitize=fuzzer, in tests/fuzz/CMakeLists.txt).
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
  set(KEYHOLD_INSTRUMENTED ON)
endif()
