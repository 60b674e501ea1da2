// keyhold-tpm2.so: the store's data key sealed by a TPM 2.0 through tpm2-tss's ESAPI, behind
// the C interface of tpm2_abi.h.
//
// Nothing needs provisioning: each call creates the owner hierarchy's storage primary key from
// TCG's standard ECC P-256 SRK template (TCG TPM v2.0 Provisioning Guidance, 7.5.1: the same
// template always gives the same key until the TPM is cleared), seals or loads the key's
// KEYEDHASH object under it, and flushes everything before it returns (a TPM behind the
// swtpm or mssim TCTI has no resource manager to do it).
//
// The data key never crosses the bus in clear: Create and Unseal run in a session salted with
// the primary key (AES-128-CFB parameter encryption; the salt is encrypted to the primary's
// public key). The blob records the primary key's name, and an unseal refuses a primary of
// another name before it sends anything: another TPM, a cleared one, or something answering in
// the TPM's place.
//
// Blob (the sealed key file's contents, docs/store-format.md): "KHT2", format u8 = 1, then the
// primary's TPM2B_NAME, the object's TPM2B_PUBLIC and TPM2B_PRIVATE, marshalled by tss2-mu.

#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <tss2/tss2_esys.h>
#include <tss2/tss2_mu.h>
#include <tss2/tss2_tctildr.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "tpm2_abi.h"

namespace {

constexpr unsigned char kBlobMagic[4] = {'K', 'H', 'T', '2'};
constexpr std::uint8_t kBlobFormat = 1;

// A status and why, on its way to the caller's reason buffer.
struct Outcome {
    int status = KEYHOLD_TPM2_OK;
    std::string reason;
    bool busy = false;  // the TPM said "not now" (a warning): the whole call is worth another try

    bool ok() const { return status == KEYHOLD_TPM2_OK; }
};

int report(const Outcome& outcome, char* reason, size_t reason_size) {
    if (!outcome.ok() && reason != nullptr && reason_size > 0) {
        std::snprintf(reason, reason_size, "%s", outcome.reason.c_str());
    }
    return outcome.status;
}

// The TPM's own response code without its handle, session or parameter number (TPM 2.0 Part 2,
// 6.6.3): TPM2_RC_POLICY_FAIL whichever session failed. Errors of the TSS's own layers pass as
// they are.
TSS2_RC tpm_code(TSS2_RC rc) {
    if ((rc & TSS2_RC_LAYER_MASK) != TSS2_TPM_RC_LAYER && (rc & TSS2_RC_LAYER_MASK) != TSS2_RESMGR_TPM_RC_LAYER) {
        return rc;
    }
    const TSS2_RC code = rc & 0xFFF;
    return (code & TPM2_RC_FMT1) != 0 ? (code & (TPM2_RC_FMT1 | 0x3F)) : code;
}

Outcome failed(int status, std::string_view step, TSS2_RC rc) {
    char code[32];
    std::snprintf(code, sizeof code, "0x%x", static_cast<unsigned>(rc));
    return {status, std::string(step) + " (TSS2 response " + code + ")"};
}

// What a failed command means to the user: the TPM is unreachable, or it said no.
// TPM warnings (TPM 2.0 Part 2, 6.6.3) that pass: out of object or session slots, which a TPM
// without a resource manager in front (swtpm, mssim) shares among all its clients, so that
// parallel helper calls fill them; a self-test or a command the TPM yielded or wants retried.
bool tpm_is_busy(TSS2_RC rc) {
    if ((rc & TSS2_RC_LAYER_MASK) != TSS2_TPM_RC_LAYER && (rc & TSS2_RC_LAYER_MASK) != TSS2_RESMGR_TPM_RC_LAYER) {
        return false;
    }
    switch (tpm_code(rc)) {
        case TPM2_RC_CONTEXT_GAP:
        case TPM2_RC_OBJECT_MEMORY:
        case TPM2_RC_SESSION_MEMORY:
        case TPM2_RC_MEMORY:
        case TPM2_RC_SESSION_HANDLES:
        case TPM2_RC_OBJECT_HANDLES:
        case TPM2_RC_YIELDED:
        case TPM2_RC_CANCELED:
        case TPM2_RC_TESTING:
        case TPM2_RC_RETRY:
            return true;
        default:
            return false;
    }
}

Outcome command_failed(std::string_view step, TSS2_RC rc) {
    const TSS2_RC layer = rc & TSS2_RC_LAYER_MASK;
    if (layer == TSS2_TCTI_RC_LAYER) {
        return {KEYHOLD_TPM2_UNAVAILABLE, "it stopped answering while " + std::string(step)};
    }
    Outcome outcome = failed(KEYHOLD_TPM2_FAILED, step, rc);
    outcome.busy = tpm_is_busy(rc);
    return outcome;
}

// Runs `attempt` (one whole call on a connection of its own, which flushes all it loaded when it
// ends) again while the TPM is busy, after a random pause of 2-20 ms, for up to 3 s: parallel
// callers then take turns instead of failing.
template <typename Attempt>
Outcome with_retries(Attempt&& attempt) {
    using Clock = std::chrono::steady_clock;
    const auto deadline = Clock::now() + std::chrono::seconds(3);
    std::minstd_rand jitter(std::random_device{}());
    std::uniform_int_distribution<int> pause_ms(2, 20);
    Outcome outcome = attempt();
    while (outcome.busy && Clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(pause_ms(jitter)));
        outcome = attempt();
    }
    return outcome;
}

// ---- one connection to the TPM ------------------------------------------------------------

class Tpm {
public:
    Tpm() = default;
    Tpm(const Tpm&) = delete;
    Tpm& operator=(const Tpm&) = delete;
    ~Tpm() {
        // Objects and sessions last until flushed when no resource manager is in between.
        for (auto handle = loaded_.rbegin(); handle != loaded_.rend(); ++handle) {
            (void)Esys_FlushContext(esys_, *handle);
        }
        if (esys_ != nullptr) {
            Esys_Finalize(&esys_);
        }
        if (tcti_ != nullptr) {
            Tss2_TctiLdr_Finalize(&tcti_);
        }
    }

    Outcome open(const char* tcti_name_conf) {
        if (const TSS2_RC rc = Tss2_TctiLdr_Initialize(tcti_name_conf, &tcti_); rc != TSS2_RC_SUCCESS) {
            return {KEYHOLD_TPM2_UNAVAILABLE, "the TCTI loader could not connect to it"};
        }
        if (const TSS2_RC rc = Esys_Initialize(&esys_, tcti_, nullptr); rc != TSS2_RC_SUCCESS) {
            return {KEYHOLD_TPM2_UNAVAILABLE, "ESAPI could not start on it"};
        }
        return {};
    }

    ESYS_CONTEXT* esys() const { return esys_; }
    // Flushed when this connection closes.
    void keep(ESYS_TR handle) { loaded_.push_back(handle); }

private:
    TSS2_TCTI_CONTEXT* tcti_ = nullptr;
    ESYS_CONTEXT* esys_ = nullptr;
    std::vector<ESYS_TR> loaded_;
};

// Frees what ESAPI allocated for an output.
template <typename T>
struct EsysOutput {
    T* value = nullptr;
    EsysOutput() = default;
    EsysOutput(const EsysOutput&) = delete;
    EsysOutput& operator=(const EsysOutput&) = delete;
    ~EsysOutput() { Esys_Free(value); }
};

TPML_PCR_SELECTION pcr_selection(std::uint32_t pcr_mask) {
    TPML_PCR_SELECTION selection{};
    selection.count = 1;
    selection.pcrSelections[0].hash = TPM2_ALG_SHA256;
    selection.pcrSelections[0].sizeofSelect = 3;
    selection.pcrSelections[0].pcrSelect[0] = static_cast<BYTE>(pcr_mask);
    selection.pcrSelections[0].pcrSelect[1] = static_cast<BYTE>(pcr_mask >> 8);
    selection.pcrSelections[0].pcrSelect[2] = static_cast<BYTE>(pcr_mask >> 16);
    return selection;
}

// TCG's SRK template for ECC NIST P-256 (Provisioning Guidance 1.0, 7.5.1): restricted
// decryption key, AES-128-CFB, no scheme, unique x and y of 32 zero bytes.
TPM2B_PUBLIC srk_template() {
    TPM2B_PUBLIC in_public{};
    TPMT_PUBLIC& area = in_public.publicArea;
    area.type = TPM2_ALG_ECC;
    area.nameAlg = TPM2_ALG_SHA256;
    area.objectAttributes = TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT | TPMA_OBJECT_SENSITIVEDATAORIGIN |
                            TPMA_OBJECT_USERWITHAUTH | TPMA_OBJECT_NODA | TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_DECRYPT;
    area.parameters.eccDetail.symmetric.algorithm = TPM2_ALG_AES;
    area.parameters.eccDetail.symmetric.keyBits.aes = 128;
    area.parameters.eccDetail.symmetric.mode.aes = TPM2_ALG_CFB;
    area.parameters.eccDetail.scheme.scheme = TPM2_ALG_NULL;
    area.parameters.eccDetail.curveID = TPM2_ECC_NIST_P256;
    area.parameters.eccDetail.kdf.scheme = TPM2_ALG_NULL;
    area.unique.ecc.x.size = 32;
    area.unique.ecc.y.size = 32;
    return in_public;
}

struct Primary {
    ESYS_TR handle = ESYS_TR_NONE;
    TPM2B_NAME name{};
};

std::optional<Primary> create_primary(Tpm& tpm, Outcome& outcome) {
    const TPM2B_SENSITIVE_CREATE no_sensitive{};
    const TPM2B_PUBLIC in_public = srk_template();
    const TPM2B_DATA outside_info{};
    const TPML_PCR_SELECTION creation_pcrs{};
    Primary primary;
    // The owner hierarchy's authorization is empty on a machine nobody took ownership of; with
    // a password set the TPM says TPM2_RC_BAD_AUTH, reported as such.
    TSS2_RC rc = Esys_CreatePrimary(tpm.esys(), ESYS_TR_RH_OWNER, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE,
                                    &no_sensitive, &in_public, &outside_info, &creation_pcrs, &primary.handle, nullptr,
                                    nullptr, nullptr, nullptr);
    if (rc != TSS2_RC_SUCCESS) {
        outcome = command_failed("creating the storage primary key in the owner hierarchy", rc);
        return std::nullopt;
    }
    tpm.keep(primary.handle);
    EsysOutput<TPM2B_NAME> name;
    rc = Esys_TR_GetName(tpm.esys(), primary.handle, &name.value);
    if (rc != TSS2_RC_SUCCESS) {
        outcome = command_failed("reading the storage primary key's name", rc);
        return std::nullopt;
    }
    primary.name = *name.value;
    return primary;
}

// A session salted with the primary key: its key derives from a salt only this TPM can read,
// so parameter encryption and HMACs hold against anyone on the bus.
std::optional<ESYS_TR> salted_session(Tpm& tpm, const Primary& primary, TPM2_SE type, TPMA_SESSION attributes,
                                      Outcome& outcome) {
    TPMT_SYM_DEF symmetric{};
    symmetric.algorithm = TPM2_ALG_AES;
    symmetric.keyBits.aes = 128;
    symmetric.mode.aes = TPM2_ALG_CFB;
    ESYS_TR session = ESYS_TR_NONE;
    TSS2_RC rc = Esys_StartAuthSession(tpm.esys(), primary.handle, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
                                       ESYS_TR_NONE, nullptr, type, &symmetric, TPM2_ALG_SHA256, &session);
    if (rc != TSS2_RC_SUCCESS) {
        outcome = command_failed("starting a salted session", rc);
        return std::nullopt;
    }
    tpm.keep(session);
    rc = Esys_TRSess_SetAttributes(tpm.esys(), session, attributes, 0xFF);
    if (rc != TSS2_RC_SUCCESS) {
        outcome = command_failed("setting the session's attributes", rc);
        return std::nullopt;
    }
    return session;
}

Outcome policy_pcr(Tpm& tpm, ESYS_TR session, std::uint32_t pcr_mask) {
    // An empty digest: the TPM takes the PCRs' values now (TPM 2.0 Part 3, 23.7).
    const TPM2B_DIGEST now{};
    const TPML_PCR_SELECTION selection = pcr_selection(pcr_mask);
    const TSS2_RC rc = Esys_PolicyPCR(tpm.esys(), session, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &now, &selection);
    if (rc != TSS2_RC_SUCCESS) {
        const TSS2_RC code = tpm_code(rc);
        if (code == TPM2_RC_VALUE || code == TPM2_RC_PCR) {
            return failed(KEYHOLD_TPM2_FAILED, "this TPM has no sha256 PCR bank with those PCRs", rc);
        }
        return command_failed("binding the session to the PCRs", rc);
    }
    return {};
}

// The policy digest of "these PCRs have the values they have now", from a trial session.
std::optional<TPM2B_DIGEST> pcr_policy_digest(Tpm& tpm, std::uint32_t pcr_mask, Outcome& outcome) {
    TPMT_SYM_DEF no_symmetric{};
    no_symmetric.algorithm = TPM2_ALG_NULL;
    ESYS_TR trial = ESYS_TR_NONE;
    TSS2_RC rc = Esys_StartAuthSession(tpm.esys(), ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
                                       nullptr, TPM2_SE_TRIAL, &no_symmetric, TPM2_ALG_SHA256, &trial);
    if (rc != TSS2_RC_SUCCESS) {
        outcome = command_failed("starting a trial policy session", rc);
        return std::nullopt;
    }
    tpm.keep(trial);
    if (outcome = policy_pcr(tpm, trial, pcr_mask); !outcome.ok()) {
        return std::nullopt;
    }
    EsysOutput<TPM2B_DIGEST> digest;
    rc = Esys_PolicyGetDigest(tpm.esys(), trial, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &digest.value);
    if (rc != TSS2_RC_SUCCESS) {
        outcome = command_failed("reading the PCR policy's digest", rc);
        return std::nullopt;
    }
    return *digest.value;
}

// ---- the blob -----------------------------------------------------------------------------

struct Sealed {
    TPM2B_NAME primary_name{};
    TPM2B_PUBLIC object_public{};
    TPM2B_PRIVATE object_private{};
};

bool marshal(const Sealed& sealed, unsigned char* blob, size_t capacity, size_t* size) {
    if (capacity < sizeof kBlobMagic + 1) {
        return false;
    }
    memcpy(blob, kBlobMagic, sizeof kBlobMagic);
    blob[sizeof kBlobMagic] = kBlobFormat;
    size_t offset = sizeof kBlobMagic + 1;
    if (Tss2_MU_TPM2B_NAME_Marshal(&sealed.primary_name, blob, capacity, &offset) != TSS2_RC_SUCCESS ||
        Tss2_MU_TPM2B_PUBLIC_Marshal(&sealed.object_public, blob, capacity, &offset) != TSS2_RC_SUCCESS ||
        Tss2_MU_TPM2B_PRIVATE_Marshal(&sealed.object_private, blob, capacity, &offset) != TSS2_RC_SUCCESS) {
        return false;
    }
    *size = offset;
    return true;
}

std::optional<Sealed> unmarshal(const unsigned char* blob, size_t size) {
    if (size < sizeof kBlobMagic + 1 || memcmp(blob, kBlobMagic, sizeof kBlobMagic) != 0 ||
        blob[sizeof kBlobMagic] != kBlobFormat) {
        return std::nullopt;
    }
    Sealed sealed;
    size_t offset = sizeof kBlobMagic + 1;
    if (Tss2_MU_TPM2B_NAME_Unmarshal(blob, size, &offset, &sealed.primary_name) != TSS2_RC_SUCCESS ||
        Tss2_MU_TPM2B_PUBLIC_Unmarshal(blob, size, &offset, &sealed.object_public) != TSS2_RC_SUCCESS ||
        Tss2_MU_TPM2B_PRIVATE_Unmarshal(blob, size, &offset, &sealed.object_private) != TSS2_RC_SUCCESS ||
        offset != size) {
        return std::nullopt;
    }
    return sealed;
}

bool same_name(const TPM2B_NAME& a, const TPM2B_NAME& b) {
    return a.size == b.size && memcmp(a.name, b.name, a.size) == 0;
}

// ---- the three calls ----------------------------------------------------------------------

Outcome probe(const char* tcti) {
    Tpm tpm;
    if (Outcome opened = tpm.open(tcti); !opened.ok()) {
        return opened;
    }
    // The cheapest command that proves a TPM answers (a TCTI may open a socket nobody serves).
    EsysOutput<TPM2B_DIGEST> random;
    if (const TSS2_RC rc = Esys_GetRandom(tpm.esys(), ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, 8, &random.value);
        rc != TSS2_RC_SUCCESS) {
        return command_failed("asking it for random bytes", rc);
    }
    return {};
}

Outcome seal(Tpm& tpm, std::uint32_t pcr_mask, TPM2B_SENSITIVE_CREATE& in_sensitive, Sealed& sealed) {
    Outcome outcome;
    const auto primary = create_primary(tpm, outcome);
    if (!primary) {
        return outcome;
    }
    TPM2B_PUBLIC in_public{};
    TPMT_PUBLIC& area = in_public.publicArea;
    area.type = TPM2_ALG_KEYEDHASH;
    area.nameAlg = TPM2_ALG_SHA256;
    // Sealed data (no sign, no decrypt); noDA: its authorization is empty or a PCR policy, and a
    // failed unseal must never count towards the TPM's dictionary-attack lockout.
    area.objectAttributes = TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT | TPMA_OBJECT_NODA;
    area.parameters.keyedHashDetail.scheme.scheme = TPM2_ALG_NULL;
    if (pcr_mask != 0) {
        const auto digest = pcr_policy_digest(tpm, pcr_mask, outcome);
        if (!digest) {
            return outcome;
        }
        area.authPolicy = *digest;  // only the policy opens it: no userWithAuth
    } else {
        area.objectAttributes |= TPMA_OBJECT_USERWITHAUTH;
    }
    // decrypt: the TPM2B_SENSITIVE_CREATE holding the key goes encrypted.
    const auto session =
        salted_session(tpm, *primary, TPM2_SE_HMAC, TPMA_SESSION_CONTINUESESSION | TPMA_SESSION_DECRYPT, outcome);
    if (!session) {
        return outcome;
    }
    const TPM2B_DATA outside_info{};
    const TPML_PCR_SELECTION creation_pcrs{};
    EsysOutput<TPM2B_PRIVATE> object_private;
    EsysOutput<TPM2B_PUBLIC> object_public;
    const TSS2_RC rc = Esys_Create(tpm.esys(), primary->handle, *session, ESYS_TR_NONE, ESYS_TR_NONE, &in_sensitive,
                                   &in_public, &outside_info, &creation_pcrs, &object_private.value,
                                   &object_public.value, nullptr, nullptr, nullptr);
    if (rc != TSS2_RC_SUCCESS) {
        return command_failed("sealing the key", rc);
    }
    sealed.primary_name = primary->name;
    sealed.object_public = *object_public.value;
    sealed.object_private = *object_private.value;
    return {};
}

Outcome unseal(Tpm& tpm, std::uint32_t pcr_mask, const Sealed& sealed, unsigned char* secret, size_t capacity,
               size_t* secret_size) {
    Outcome outcome;
    const auto primary = create_primary(tpm, outcome);
    if (!primary) {
        return outcome;
    }
    if (!same_name(primary->name, sealed.primary_name)) {
        return {KEYHOLD_TPM2_OTHER_TPM, "this TPM's storage primary key is not the one the key was sealed under"};
    }
    const auto session = salted_session(tpm, *primary, TPM2_SE_HMAC, TPMA_SESSION_CONTINUESESSION, outcome);
    if (!session) {
        return outcome;
    }
    ESYS_TR object = ESYS_TR_NONE;
    TSS2_RC rc = Esys_Load(tpm.esys(), primary->handle, *session, ESYS_TR_NONE, ESYS_TR_NONE, &sealed.object_private,
                           &sealed.object_public, &object);
    if (rc != TSS2_RC_SUCCESS) {
        // Under the same primary key, only an altered blob fails its integrity check.
        const TSS2_RC code = tpm_code(rc);
        if ((rc & TSS2_RC_LAYER_MASK) == TSS2_TPM_RC_LAYER &&
            (code == TPM2_RC_INTEGRITY || code == TPM2_RC_SIZE || code == TPM2_RC_VALUE || code == TPM2_RC_BINDING ||
             code == TPM2_RC_ATTRIBUTES || code == TPM2_RC_POLICY || code == TPM2_RC_KEY)) {
            return {KEYHOLD_TPM2_DAMAGED, "the TPM refused to load it"};
        }
        return command_failed("loading the sealed key", rc);
    }
    tpm.keep(object);
    ESYS_TR authorization = *session;
    if (pcr_mask != 0) {
        const auto policy =
            salted_session(tpm, *primary, TPM2_SE_POLICY, TPMA_SESSION_CONTINUESESSION | TPMA_SESSION_ENCRYPT, outcome);
        if (!policy) {
            return outcome;
        }
        if (outcome = policy_pcr(tpm, *policy, pcr_mask); !outcome.ok()) {
            return outcome;
        }
        authorization = *policy;
    } else if (rc = Esys_TRSess_SetAttributes(tpm.esys(), *session, TPMA_SESSION_CONTINUESESSION | TPMA_SESSION_ENCRYPT,
                                              0xFF);
               rc != TSS2_RC_SUCCESS) {
        return command_failed("setting the session's attributes", rc);
    }
    // encrypt: the unsealed key comes back encrypted under the session key.
    EsysOutput<TPM2B_SENSITIVE_DATA> data;
    rc = Esys_Unseal(tpm.esys(), object, authorization, ESYS_TR_NONE, ESYS_TR_NONE, &data.value);
    if (rc != TSS2_RC_SUCCESS) {
        const TSS2_RC code = tpm_code(rc);
        if (code == TPM2_RC_POLICY_FAIL || code == TPM2_RC_PCR_CHANGED) {
            return failed(KEYHOLD_TPM2_POLICY, "the PCRs do not have the values the key was sealed to", rc);
        }
        return command_failed("unsealing the key", rc);
    }
    const size_t size = data.value->size;
    if (size > capacity) {
        explicit_bzero(data.value->buffer, sizeof data.value->buffer);
        return {KEYHOLD_TPM2_TOO_SMALL, "the unsealed data is larger than expected"};
    }
    memcpy(secret, data.value->buffer, size);
    *secret_size = size;
    explicit_bzero(data.value->buffer, sizeof data.value->buffer);
    return {};
}

// tpm2-tss keeps the key in clear in memory of its own and frees it unwiped: the marshalled
// TPM2B_SENSITIVE_CREATE of a seal, the decrypted TPM2B_SENSITIVE_DATA of an unseal (ESAPI
// decrypts a response parameter back into its SAPI context's buffer, which Esys_Finalize frees),
// and the stack buffers it decrypts in. While a call runs, glibc zeroes every block freed past its
// thread cache (M_PERTURB sets freed bytes to the low byte of its value: that of 0x100 is 0), as
// heap_wipe.cpp does for keyhold's own deletes; at its end, the stack below the call is zeroed.
class NoKeyLeftBehind {
public:
    NoKeyLeftBehind() { (void)mallopt(M_PERTURB, 0x100); }
    NoKeyLeftBehind(const NoKeyLeftBehind&) = delete;
    NoKeyLeftBehind& operator=(const NoKeyLeftBehind&) = delete;
    ~NoKeyLeftBehind() {
        (void)mallopt(M_PERTURB, 0);
        zero_stack_below();
    }

private:
    // As deep as ESAPI, OpenSSL and the TCTI go below this frame (the SAPI buffer is the heap's).
    __attribute__((noinline)) static void zero_stack_below() {
        unsigned char scratch[64 * 1024];
        explicit_bzero(scratch, sizeof scratch);
        __asm__ volatile("" : : "r"(scratch) : "memory");
    }
};

// tpm2-tss logs its errors on stderr, and a credential helper's client may read stderr with
// stdout (docker reads stdout for the answer): quiet unless the user asks for its log. Each TSS
// library reads TSS2_LOG at its first log line, after this.
void quiet_tss_log() { (void)setenv("TSS2_LOG", "all+none", 0); }

int api_probe(const char* tcti, char* reason, size_t reason_size) {
    quiet_tss_log();
    return report(with_retries([&] { return probe(tcti); }), reason, reason_size);
}

int api_seal(const char* tcti, uint32_t pcr_mask, const unsigned char* secret, size_t secret_size, unsigned char* blob,
             size_t blob_capacity, size_t* blob_size, char* reason, size_t reason_size) {
    quiet_tss_log();
    const NoKeyLeftBehind wiped;
    TPM2B_SENSITIVE_CREATE in_sensitive{};
    if (secret_size > sizeof in_sensitive.sensitive.data.buffer) {
        return report({KEYHOLD_TPM2_TOO_SMALL, "the key is larger than a sealed object holds"}, reason, reason_size);
    }
    in_sensitive.sensitive.data.size = static_cast<UINT16>(secret_size);
    memcpy(in_sensitive.sensitive.data.buffer, secret, secret_size);
    Sealed sealed;
    Outcome outcome = with_retries([&] {
        Tpm tpm;
        Outcome opened = tpm.open(tcti);
        return opened.ok() ? seal(tpm, pcr_mask, in_sensitive, sealed) : opened;
    });
    explicit_bzero(&in_sensitive, sizeof in_sensitive);
    if (outcome.ok() && !marshal(sealed, blob, blob_capacity, blob_size)) {
        outcome = {KEYHOLD_TPM2_TOO_SMALL, "the sealed key is larger than expected"};
    }
    return report(outcome, reason, reason_size);
}

int api_unseal(const char* tcti, uint32_t pcr_mask, const unsigned char* blob, size_t blob_size, unsigned char* secret,
               size_t secret_capacity, size_t* secret_size, char* reason, size_t reason_size) {
    quiet_tss_log();
    const auto sealed = unmarshal(blob, blob_size);
    if (!sealed) {
        return report({KEYHOLD_TPM2_DAMAGED, "the sealed key file does not parse"}, reason, reason_size);
    }
    const NoKeyLeftBehind wiped;
    const Outcome outcome = with_retries([&] {
        Tpm tpm;
        Outcome opened = tpm.open(tcti);
        return opened.ok() ? unseal(tpm, pcr_mask, *sealed, secret, secret_capacity, secret_size) : opened;
    });
    return report(outcome, reason, reason_size);
}

constexpr keyhold_tpm2_api kApi = {KEYHOLD_TPM2_ABI_VERSION, api_probe, api_seal, api_unseal};

}  // namespace

extern "C" __attribute__((visibility("default"))) const keyhold_tpm2_api* keyhold_tpm2_api_v1() { return &kApi; }
