// Smoke test of keyhold's Windows toolchain (scripts/windows-smoke.sh): the C++23 library, the
// static third-party libraries, and Win32 APIs that keyhold's Windows platform layer will need
// (DPAPI, console modes, CreateProcessW with an environment block), run under wine64.
// winsock2.h before windows.h, which would otherwise pull in the old winsock.h (curl.h
// includes winsock2.h and warns).
#include <winsock2.h>
#include <windows.h>
#include <dpapi.h>
#include <fcntl.h>
#include <io.h>

#include <CLI/CLI.hpp>
#include <curl/curl.h>
#include <nlohmann/json.hpp>
#include <sodium.h>

#include <atomic>
#include <cstdio>
#include <cstring>
#include <expected>
#include <iostream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace {

std::expected<int, std::string> parse_positive(const std::string& s) {
    try {
        int v = std::stoi(s);
        if (v <= 0) return std::unexpected("not positive");
        return v;
    } catch (...) {
        return std::unexpected("not a number");
    }
}

bool check_expected() {
    return parse_positive("42").value_or(0) == 42 && parse_positive("-1").error() == "not positive";
}

bool check_threads() {
    std::mutex m;
    int counter = 0;
    std::vector<std::jthread> threads;
    for (int i = 0; i < 4; ++i)
        threads.emplace_back([&] {
            for (int j = 0; j < 1000; ++j) {
                std::lock_guard lock(m);
                ++counter;
            }
        });
    threads.clear();
    return counter == 4000;
}

bool check_sodium() {
    if (sodium_init() < 0) return false;
    unsigned char key[crypto_secretbox_KEYBYTES];
    unsigned char nonce[crypto_secretbox_NONCEBYTES];
    crypto_secretbox_keygen(key);
    randombytes_buf(nonce, sizeof nonce);
    const std::string message = "a secret";
    std::vector<unsigned char> box(message.size() + crypto_secretbox_MACBYTES);
    crypto_secretbox_easy(box.data(), reinterpret_cast<const unsigned char*>(message.data()), message.size(),
                          nonce, key);
    std::string opened(message.size(), '\0');
    if (crypto_secretbox_open_easy(reinterpret_cast<unsigned char*>(opened.data()), box.data(), box.size(), nonce,
                                   key) != 0)
        return false;
    box[0] ^= 1;
    const bool tampered_rejected = crypto_secretbox_open_easy(reinterpret_cast<unsigned char*>(opened.data()),
                                                              box.data(), box.size(), nonce, key) != 0;
    return opened == message && tampered_rejected;
}

std::string curl_ssl() {
    const curl_version_info_data* info = curl_version_info(CURLVERSION_NOW);
    return std::string(info->version) + " " + (info->ssl_version ? info->ssl_version : "(no TLS)");
}

bool check_dpapi(std::string& detail) {
    const char secret[] = "store key bytes";
    DATA_BLOB in{static_cast<DWORD>(sizeof secret), reinterpret_cast<BYTE*>(const_cast<char*>(secret))};
    DATA_BLOB protectedBlob{}, out{};
    if (!CryptProtectData(&in, L"keyhold", nullptr, nullptr, nullptr, CRYPTPROTECT_UI_FORBIDDEN, &protectedBlob)) {
        detail = "CryptProtectData failed: " + std::to_string(GetLastError());
        return false;
    }
    const bool differs = protectedBlob.cbData != in.cbData ||
                         std::memcmp(protectedBlob.pbData, in.pbData, in.cbData) != 0;
    LPWSTR description = nullptr;
    if (!CryptUnprotectData(&protectedBlob, &description, nullptr, nullptr, nullptr, CRYPTPROTECT_UI_FORBIDDEN,
                            &out)) {
        detail = "CryptUnprotectData failed: " + std::to_string(GetLastError());
        LocalFree(protectedBlob.pbData);
        return false;
    }
    const bool same = out.cbData == in.cbData && std::memcmp(out.pbData, in.pbData, in.cbData) == 0;
    const bool described = description && std::wstring(description) == L"keyhold";
    // A modified blob must not decrypt.
    protectedBlob.pbData[protectedBlob.cbData - 1] ^= 1;
    DATA_BLOB bad{};
    const bool tamper_rejected = !CryptUnprotectData(&protectedBlob, nullptr, nullptr, nullptr, nullptr,
                                                     CRYPTPROTECT_UI_FORBIDDEN, &bad);
    detail = "blob " + std::to_string(protectedBlob.cbData) + " bytes, ciphertext differs: " +
             (differs ? "yes" : "no") + ", description kept: " + (described ? "yes" : "no") +
             ", tampered blob rejected: " + (tamper_rejected ? "yes" : "no");
    LocalFree(protectedBlob.pbData);
    LocalFree(out.pbData);
    LocalFree(description);
    return same;
}

// Echo off on the console input, as a passphrase prompt does, then restore it.
std::string check_console() {
    std::string report;
    HANDLE in = GetStdHandle(STD_INPUT_HANDLE);
    DWORD mode = 0;
    report += "stdin GetConsoleMode: ";
    report += GetConsoleMode(in, &mode) ? "ok (a console)" : "fails (" + std::to_string(GetLastError()) + ", not a console)";
    HANDLE con = CreateFileW(L"CONIN$", GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE, nullptr,
                             OPEN_EXISTING, 0, nullptr);
    if (con == INVALID_HANDLE_VALUE) {
        report += "; CONIN$ open fails (" + std::to_string(GetLastError()) + ")";
        return report;
    }
    report += "; CONIN$ opens";
    if (!GetConsoleMode(con, &mode)) {
        report += ", GetConsoleMode fails (" + std::to_string(GetLastError()) + ")";
    } else {
        const BOOL off = SetConsoleMode(con, mode & ~ENABLE_ECHO_INPUT);
        DWORD now = 0;
        GetConsoleMode(con, &now);
        const BOOL restored = SetConsoleMode(con, mode);
        report += ", mode " + std::to_string(mode) + ", SetConsoleMode(echo off) " + (off ? "ok" : "fails") +
                  ", echo bit then " + ((now & ENABLE_ECHO_INPUT) ? "still set" : "clear") + ", restore " +
                  (restored ? "ok" : "fails");
    }
    CloseHandle(con);
    return report;
}

// CreateProcessW with an explicit Unicode environment block, output through a pipe.
bool check_create_process(std::string& detail) {
    wchar_t self[MAX_PATH];
    GetModuleFileNameW(nullptr, self, MAX_PATH);
    std::wstring command = L"\"" + std::wstring(self) + L"\" child --var KEYHOLD_SMOKE";
    // Sorted, NUL-separated, double-NUL-terminated; SystemRoot keeps the child's DLL loading sane.
    wchar_t root[MAX_PATH] = L"C:\\windows";
    GetEnvironmentVariableW(L"SystemRoot", root, MAX_PATH);
    std::wstring env = L"KEYHOLD_SMOKE=caf\u00e9 \u00fcber";
    env.push_back(L'\0');
    env += L"SystemRoot=" + std::wstring(root);
    env.push_back(L'\0');
    env.push_back(L'\0');

    SECURITY_ATTRIBUTES sa{sizeof sa, nullptr, TRUE};
    HANDLE read_end, write_end;
    if (!CreatePipe(&read_end, &write_end, &sa, 0)) return false;
    SetHandleInformation(read_end, HANDLE_FLAG_INHERIT, 0);
    STARTUPINFOW si{};
    si.cb = sizeof si;
    si.dwFlags = STARTF_USESTDHANDLES;
    si.hStdOutput = write_end;
    si.hStdError = GetStdHandle(STD_ERROR_HANDLE);
    si.hStdInput = GetStdHandle(STD_INPUT_HANDLE);
    PROCESS_INFORMATION pi{};
    if (!CreateProcessW(nullptr, command.data(), nullptr, nullptr, TRUE, CREATE_UNICODE_ENVIRONMENT, env.data(),
                        nullptr, &si, &pi)) {
        detail = "CreateProcessW failed: " + std::to_string(GetLastError());
        return false;
    }
    CloseHandle(write_end);
    std::string output;
    char buf[256];
    DWORD got;
    while (ReadFile(read_end, buf, sizeof buf, &got, nullptr) && got > 0) output.append(buf, got);
    CloseHandle(read_end);
    WaitForSingleObject(pi.hProcess, INFINITE);
    DWORD code = 0;
    GetExitCodeProcess(pi.hProcess, &code);
    CloseHandle(pi.hProcess);
    CloseHandle(pi.hThread);
    detail = "child said '" + output + "' and exited " + std::to_string(code);
    return output == "KEYHOLD_SMOKE=caf\xc3\xa9 \xc3\xbc" "ber|PATH unset" && code == 7;
}

int run_checks() {
    nlohmann::json report;
    bool ok = true;
    auto record = [&](const char* name, bool passed, const std::string& detail = {}) {
        report[name] = detail.empty() ? nlohmann::json(passed) : nlohmann::json{{"ok", passed}, {"detail", detail}};
        ok = ok && passed;
    };
    record("std::expected", check_expected());
    record("std::thread+mutex", check_threads());
    record("crypto_secretbox", check_sodium());
    const std::string ssl = curl_ssl();
    record("curl Schannel", ssl.find("Schannel") != std::string::npos, ssl);
    std::string detail;
    const bool dpapi = check_dpapi(detail);
    record("DPAPI round trip", dpapi, detail);
    const bool spawned = check_create_process(detail);
    record("CreateProcessW env block", spawned, detail);
    report["console"] = check_console();
    // nlohmann round trip of the report itself.
    const bool reparsed = nlohmann::json::parse(report.dump()) == report;
    record("nlohmann round trip", reparsed);
    std::cout << report.dump(2) << std::endl;
    return ok ? 0 : 1;
}

size_t collect(char* data, size_t size, size_t count, void* out) {
    static_cast<std::string*>(out)->append(data, size * count);
    return size * count;
}

int fetch(const std::string& url, const std::string& cainfo) {
    curl_global_init(CURL_GLOBAL_DEFAULT);
    CURL* curl = curl_easy_init();
    std::string body;
    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
    curl_easy_setopt(curl, CURLOPT_NOPROXY, "*");
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, 20L);
    // Wine's Schannel cannot reach a revocation server here (nor could a test machine).
    curl_easy_setopt(curl, CURLOPT_SSL_OPTIONS, static_cast<long>(CURLSSLOPT_NO_REVOKE));
    if (!cainfo.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, cainfo.c_str());
    char error[CURL_ERROR_SIZE] = "";
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error);
    const CURLcode rc = curl_easy_perform(curl);
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    std::cout << "curl " << rc << " (" << (error[0] ? error : curl_easy_strerror(rc)) << ") status " << status
              << " body " << body.size() << " bytes: " << body.substr(0, 60) << "\n";
    curl_easy_cleanup(curl);
    return rc == CURLE_OK ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"keyhold Windows toolchain smoke test"};
    app.require_subcommand(0, 1);
    auto* child = app.add_subcommand("child", "print an environment variable; exit 7");
    std::string var;
    child->add_option("--var", var)->required();
    auto* out = app.add_subcommand("out", "write a\\nb\\n to stdout");
    bool binary = false;
    out->add_flag("--binary", binary, "binary mode (no \\r\\n translation)");
    auto* cat = app.add_subcommand("cat", "copy stdin to stdout, binary mode");
    auto* prompt = app.add_subcommand("prompt", "read a line from the console with echo off");
    auto* exit_cmd = app.add_subcommand("exit", "exit with a code");
    int code = 0;
    exit_cmd->add_option("code", code)->required();
    auto* fetch_cmd = app.add_subcommand("fetch", "GET a URL with libcurl");
    std::string url, cainfo;
    fetch_cmd->add_option("url", url)->required();
    fetch_cmd->add_option("--cainfo", cainfo);
    CLI11_PARSE(app, argc, argv);

    if (*child) {
        // Read through the wide API: the block was UTF-16; print it as UTF-8.
        wchar_t value[256];
        std::wstring name(var.begin(), var.end());
        const DWORD n = GetEnvironmentVariableW(name.c_str(), value, 256);
        char utf8[512];
        const int len = WideCharToMultiByte(CP_UTF8, 0, value, static_cast<int>(n), utf8, sizeof utf8, nullptr, nullptr);
        _setmode(_fileno(stdout), _O_BINARY);
        std::printf("%s=%.*s|PATH %s", var.c_str(), len, utf8, std::getenv("PATH") ? "set" : "unset");
        return 7;
    }
    if (*out) {
        if (binary) _setmode(_fileno(stdout), _O_BINARY);
        std::fputs("a\nb\n", stdout);
        return 0;
    }
    if (*cat) {
        _setmode(_fileno(stdin), _O_BINARY);
        _setmode(_fileno(stdout), _O_BINARY);
        char buf[4096];
        size_t n;
        while ((n = std::fread(buf, 1, sizeof buf, stdin)) > 0) std::fwrite(buf, 1, n, stdout);
        return 0;
    }
    if (*prompt) {
        // As a passphrase prompt: the console's input with echo off, one line, echo restored.
        HANDLE con = CreateFileW(L"CONIN$", GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE, nullptr,
                                 OPEN_EXISTING, 0, nullptr);
        if (con == INVALID_HANDLE_VALUE) { std::fprintf(stderr, "no console\n"); return 3; }
        DWORD mode = 0;
        GetConsoleMode(con, &mode);
        SetConsoleMode(con, (mode & ~ENABLE_ECHO_INPUT) | ENABLE_LINE_INPUT | ENABLE_PROCESSED_INPUT);
        std::fputs("Passphrase: ", stderr);
        wchar_t buf[256];
        DWORD got = 0;
        const BOOL read_ok = ReadConsoleW(con, buf, 255, &got, nullptr);
        SetConsoleMode(con, mode);
        while (got > 0 && (buf[got - 1] == L'\n' || buf[got - 1] == L'\r')) --got;
        std::fprintf(stderr, "\nread %s, %lu characters\n", read_ok ? "ok" : "failed", static_cast<unsigned long>(got));
        CloseHandle(con);
        return 0;
    }
    if (*exit_cmd) return code;
    if (*fetch_cmd) return fetch(url, cainfo);
    return run_checks();
}
