#pragma once

#include <memory>

#include "keyhold/platform/key_protector.hpp"

namespace keyhold::platform {

// The data key sealed by the machine's TPM 2.0 (tpm2-tss's ESAPI, in the keyhold-tpm2.so module:
// tpm2_abi.h): a sealed object under the owner hierarchy's standard storage primary key, kept in
// a file beside the store (tpm2-<key id>.sealed), optionally under a policy on sha256 PCRs.
std::unique_ptr<KeyProtector> make_tpm2_protector(const ProtectorOptions& options);

}  // namespace keyhold::platform
