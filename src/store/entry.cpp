#include "keyhold/store/entry.hpp"

#include <algorithm>

namespace keyhold::store {

bool same_content(const Entry& a, const Entry& b) {
    return a.kind == b.kind && a.key == b.key && a.label == b.label && a.username == b.username &&
           a.origin == b.origin && a.expires_at == b.expires_at && a.secret.same_as(b.secret) &&
           std::equal(a.extras.begin(), a.extras.end(), b.extras.begin(), b.extras.end(),
                      [](const ExtraField& x, const ExtraField& y) {
                          return x.name == y.name && x.value.same_as(y.value);
                      });
}

}  // namespace keyhold::store
