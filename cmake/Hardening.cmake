# The helpers handle secrets: build them the way distributions build security-sensitive code.
add_library(keyhold_hardening INTERFACE)
target_compile_options(keyhold_hardening INTERFACE -fstack-protector-strong -fstack-clash-protection -fPIE)
target_link_options(keyhold_hardening INTERFACE -pie -Wl,-z,relro -Wl,-z,now -Wl,-z,noexecstack)
if(NOT KEYHOLD_SANITIZE)
  target_compile_definitions(keyhold_hardening INTERFACE $<$<NOT:$<CONFIG:Debug>>:_FORTIFY_SOURCE=2>)
endif()
