// The exec floor: a statically linked C++ program that does what a credential helper's get
// must at least do (read the server URL from stdin, print a JSON answer). bench/run.sh builds
// it with -static and times keyhold against it.
#include <iostream>
#include <string>

int main() {
    std::string server_url;
    std::getline(std::cin, server_url);
    std::cout << R"({"ServerURL":")" << server_url << R"(","Username":"user","Secret":"secret"})" << '\n';
}
