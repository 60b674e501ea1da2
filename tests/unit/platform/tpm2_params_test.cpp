// The tpm2 protector's plain parts: `--tpm2-pcrs` lists and the header parameters, which a
// hostile or damaged store header reaches before any TPM is asked.

#include "linux/tpm2_params.hpp"

#include "support/catch.hpp"

using namespace keyhold::platform::tpm2;

namespace {

std::uint32_t bits(std::initializer_list<unsigned> pcrs) {
    std::uint32_t mask = 0;
    for (const unsigned pcr : pcrs) {
        mask |= std::uint32_t{1} << pcr;
    }
    return mask;
}

std::string error_of(std::string_view list) {
    const auto parsed = parse_pcr_list(list);
    REQUIRE_FALSE(parsed);
    return parsed.error().message;
}

Params sample() {
    Params params;
    for (std::size_t i = 0; i < params.key_id.size(); ++i) {
        params.key_id[i] = static_cast<unsigned char>(0xa0 + i);
    }
    params.pcrs.mask = bits({0, 7, 23});
    return params;
}

}  // namespace

TEST_CASE("a PCR list is read with or without the sha256 bank", "[tpm2]") {
    CHECK(parse_pcr_list("0,7")->mask == bits({0, 7}));
    CHECK(parse_pcr_list("sha256:0,7")->mask == bits({0, 7}));
    CHECK(parse_pcr_list("23")->mask == bits({23}));
    CHECK(parse_pcr_list("7,0,16")->mask == bits({0, 7, 16}));
    CHECK(pcr_list_text(*parse_pcr_list("7,0,16")) == "sha256:0,7,16");
    CHECK(pcr_list_text(PcrSelection{}).empty());
}

TEST_CASE("a PCR list is refused in one line for what is wrong with it", "[tpm2]") {
    const std::string help = "; give PCR numbers 0-23 separated by commas, such as 0,7 or sha256:0,7";
    CHECK(error_of("24") == "--tpm2-pcrs '24': PCR 24 does not exist" + help);
    CHECK(error_of("0,7,0") == "--tpm2-pcrs '0,7,0': PCR 0 is listed twice" + help);
    CHECK(error_of("sha1:0") == "--tpm2-pcrs 'sha1:0': keyhold binds to the sha256 bank only" + help);
    CHECK(error_of("") == "--tpm2-pcrs '': no PCR given" + help);
    CHECK(error_of("sha256:") == "--tpm2-pcrs 'sha256:': no PCR given" + help);
    CHECK(error_of("0,") == "--tpm2-pcrs '0,': '' is not a PCR number" + help);
    CHECK(error_of(",0") == "--tpm2-pcrs ',0': '' is not a PCR number" + help);
    CHECK(error_of("07") == "--tpm2-pcrs '07': '07' is not a PCR number" + help);
    CHECK(error_of("+7") == "--tpm2-pcrs '+7': '+7' is not a PCR number" + help);
    CHECK(error_of("-1") == "--tpm2-pcrs '-1': '-1' is not a PCR number" + help);
    CHECK(error_of("0, 7") == "--tpm2-pcrs '0, 7': ' 7' is not a PCR number" + help);
    CHECK(error_of("4294967303") == "--tpm2-pcrs '4294967303': '4294967303' is not a PCR number" + help);
    CHECK(error_of("0:7").starts_with("--tpm2-pcrs '0:7': keyhold binds to the sha256 bank only"));
    CHECK(error_of("a\nb").starts_with("--tpm2-pcrs 'a\\x0ab'"));  // printable: one line
}

TEST_CASE("the header parameters round-trip", "[tpm2]") {
    const Params params = sample();
    const auto bytes = encode_params(params);
    REQUIRE(bytes.size() == kParamsBytes);
    CHECK(bytes[0] == kParamsFormat);
    const auto decoded = decode_params(bytes);
    REQUIRE(decoded);
    CHECK(decoded->key_id == params.key_id);
    CHECK(decoded->pcrs == params.pcrs);
}

TEST_CASE("header parameters that are not exactly what tpm2 writes are refused", "[tpm2]") {
    const auto good = encode_params(sample());
    SECTION("truncated at every length") {
        for (std::size_t size = 0; size < good.size(); ++size) {
            CHECK_FALSE(decode_params(std::span(good).first(size)));
        }
    }
    SECTION("one byte too many") {
        auto longer = good;
        longer.push_back(0);
        CHECK_FALSE(decode_params(longer));
    }
    SECTION("another format byte") {
        auto edited = good;
        edited[0] = 2;
        CHECK_FALSE(decode_params(edited));
        edited[0] = 0;
        CHECK_FALSE(decode_params(edited));
    }
    SECTION("another bank (sha1)") {
        auto edited = good;
        edited[1 + kKeyIdBytes] = 0x04;
        CHECK_FALSE(decode_params(edited));
    }
    SECTION("a PCR past 23") {
        auto edited = good;
        edited[1 + kKeyIdBytes + 2 + 3] = 0x01;  // bit 24
        CHECK_FALSE(decode_params(edited));
    }
    SECTION("another protector's parameters (16 bytes of a secret-service key id)") {
        CHECK_FALSE(decode_params(std::span(good).first(16)));
    }
}

TEST_CASE("sealed key files are named by their key id, and only those are taken for ours", "[tpm2]") {
    const Params params = sample();
    const std::string name = sealed_file_name(params.key_id);
    CHECK(name == "tpm2-a0a1a2a3a4a5a6a7a8a9aaabacadaeaf.sealed");
    CHECK(key_id_of_sealed_file(name) == params.key_id);
    CHECK_FALSE(key_id_of_sealed_file("tpm2-A0A1A2A3A4A5A6A7A8A9AAABACADAEAF.sealed"));  // we write lowercase
    CHECK_FALSE(key_id_of_sealed_file("tpm2-a0a1a2a3a4a5a6a7a8a9aaabacadaeaf.sealed.tmp"));
    CHECK_FALSE(key_id_of_sealed_file("tpm2-a0a1a2a3a4a5a6a7a8a9aaabacadaeag.sealed"));
    CHECK_FALSE(key_id_of_sealed_file("tpm2-.sealed"));
    CHECK_FALSE(key_id_of_sealed_file("store"));
}
