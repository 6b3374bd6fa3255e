// SPDX-License-Identifier: GPL-3.0-or-later
#include "fingerprint.hpp"

#include "strings.hpp"

namespace peermail::util {

bool
is_full_fingerprint(std::string_view fpr)
{
  return (fpr.size() == 40 || fpr.size() == 64)
         && fpr.find_first_not_of("0123456789ABCDEF") == std::string_view::npos;
}

Result<std::string>
full_fingerprint(std::string_view text)
{
  std::string fpr = normalize_fingerprint(text);
  if (!is_full_fingerprint(fpr)) {
    return fail(Errc::usage,
                "FPR must be a full fingerprint (40 or 64 hex digits), not a key ID",
                "E2E-04",
                "copy the fingerprint from `peermail keys list`, after checking it with its owner");
  }
  return fpr;
}

} // namespace peermail::util
