// What harden_process() means on Windows: no crash dialog that could show decrypted
// credentials, no DLL loaded from the current directory, and stdin/stdout in
// binary mode so that the credential protocols get the bytes as sent (no CR LF translation).

#include "win32.hpp"  // windows.h, before the other Windows headers

#include <fcntl.h>
#include <io.h>
#include <sodium.h>

#include "keyhold/platform/process.hpp"

namespace keyhold::platform {

void harden_process() {
    // System32 first and never the current directory for DLLs this process loads later.
    const bool dlls_safe = ::SetDefaultDllDirectories(LOAD_LIBRARY_SEARCH_SYSTEM32) != 0;
    // No Windows Error Reporting dialog for a crash. (WerSetFlags(NOHEAP) would also keep the
    // heap out of a report; mingw-w64 10's werapi.h does not compile, so docs/platforms.md
    // says what WER may still collect.)
    ::SetErrorMode(SEM_FAILCRITICALERRORS | SEM_NOGPFAULTERRORBOX | SEM_NOOPENFILEERRORBOX);
    const bool binary = ::_setmode(0, _O_BINARY) != -1 && ::_setmode(1, _O_BINARY) != -1 &&
                        ::_setmode(2, _O_BINARY) != -1;
    if (!dlls_safe || !binary || sodium_init() < 0) {
        static constexpr char kMessage[] = "keyhold: cannot make this process safe for secrets (DLL search, binary "
                                           "stdio, libsodium)\n";
        DWORD written = 0;
        ::WriteFile(::GetStdHandle(STD_ERROR_HANDLE), kMessage, sizeof kMessage - 1, &written, nullptr);
        ::ExitProcess(70);
    }
}

}  // namespace keyhold::platform
