/* The C interface between keyhold and its TPM 2.0 module (keyhold-tpm2.so).
 *
 * The module is a tpm2-tss ESAPI client: libtss2-esys brings libcrypto and the TCTI loader,
 * which a credential helper whose key is cached must not pay to load. They live in a module
 * that keyhold loads only when the store's key must come from the TPM (a key-cache miss). The
 * interface is plain C so that the module and the executable share nothing but these types.
 *
 * The module only talks to the TPM: keyhold reads and writes the sealed key file, checks the
 * TCTI string against its list of TCTIs (tpm2_protector.cpp) and turns statuses into messages.
 */
#ifndef KEYHOLD_TPM2_ABI_H
#define KEYHOLD_TPM2_ABI_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define KEYHOLD_TPM2_ABI_VERSION 1
#define KEYHOLD_TPM2_ENTRY "keyhold_tpm2_api_v1"

enum keyhold_tpm2_status {
    KEYHOLD_TPM2_OK = 0,
    KEYHOLD_TPM2_UNAVAILABLE = 1, /* the TCTI did not load, or no TPM answered through it */
    KEYHOLD_TPM2_OTHER_TPM = 2,   /* the storage key is not the one the blob was sealed under:
                                     another TPM, or this one was cleared */
    KEYHOLD_TPM2_POLICY = 3,      /* the PCRs no longer have the values the key was sealed to */
    KEYHOLD_TPM2_DAMAGED = 4,     /* the blob does not parse, or the TPM refuses its integrity */
    KEYHOLD_TPM2_FAILED = 5,      /* the TPM answered another error */
    KEYHOLD_TPM2_TOO_SMALL = 6    /* an output does not fit the caller's buffer */
};

/* Every function opens the TPM through the TCTI loader string `tcti` ("device:/dev/tpmrm0",
 * "swtpm:host=127.0.0.1,port=2321"), does its work and closes it again, leaving no object or
 * session loaded. `pcr_mask` selects PCRs of the sha256 bank (bit n: PCR n, 0-23); 0 is no
 * PCR policy. Every function writes why into `reason` (NUL-terminated, never a secret, may
 * hold the TPM's response code) when it fails. */
struct keyhold_tpm2_api {
    int abi_version;
    /* Whether a TPM answers through `tcti`. */
    int (*probe)(const char* tcti, char* reason, size_t reason_size);
    /* Seals `secret` under the owner hierarchy's storage primary key (TCG's ECC P-256 SRK
     * template), with a policy on the PCRs of `pcr_mask` if any, and writes the blob. */
    int (*seal)(const char* tcti, uint32_t pcr_mask, const unsigned char* secret, size_t secret_size,
                unsigned char* blob, size_t blob_capacity, size_t* blob_size, char* reason, size_t reason_size);
    /* Unseals what seal() wrote into `blob`; the secret goes into `secret`. */
    int (*unseal)(const char* tcti, uint32_t pcr_mask, const unsigned char* blob, size_t blob_size,
                  unsigned char* secret, size_t secret_capacity, size_t* secret_size, char* reason, size_t reason_size);
};

typedef const struct keyhold_tpm2_api* (*keyhold_tpm2_entry)(void);

#ifdef __cplusplus
}
#endif

#endif
