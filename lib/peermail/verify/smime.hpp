// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Internal to verify/: the layers of an S/MIME message (RFC 8551 §3),
// signed (detached or opaque) and enveloped in any order, judged from the
// outside in down to the content a reader sees.

#include <peermail/crypto/cms.hpp>
#include <peermail/mime/inspect.hpp>
#include <peermail/util/result.hpp>

#include <optional>
#include <string>
#include <vector>

namespace peermail::verify::detail {

struct SmimeLayers
{
  bool encrypted = false;
  bool decrypted = false;
  // Enveloped data is protected only by a good signature inside it.
  bool integrity_protected = false;
  bool malformed = false;
  std::string failure;
  std::string fix;
  // The signatures that cover the content: those inside every enveloped
  // layer. A signature outside one covers ciphertext only and is not counted.
  std::vector<crypto::SignatureFacts> signatures;
  std::size_t outside_signatures = 0;
  bool covers_all = true; // every layer is all a reader sees
  std::string content;    // the innermost entity (released only when decrypted intact)
  std::optional<mime::ProtectedHeaders> protected_headers;
  std::vector<std::string> warnings;
};

// Walk the S/MIME layers of `top` (shape smime), at most k_max_layers
// deep, keeping at most `max_plaintext` bytes of any decrypted or signed
// content.
inline constexpr int k_max_layers = 8;
Result<SmimeLayers>
walk_smime(crypto::CmsEngine& cms, const mime::Inspection& top, std::size_t max_plaintext);

} // namespace peermail::verify::detail
