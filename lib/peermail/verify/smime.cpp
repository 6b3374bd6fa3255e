// SPDX-License-Identifier: GPL-3.0-or-later
#include "smime.hpp"

#include <fmt/core.h>

namespace peermail::verify::detail {

namespace {

bool
all_intact(const std::vector<crypto::SignatureFacts>& sigs)
{
  for (const auto& s : sigs) {
    if (s.status == crypto::SigStatus::bad || s.status == crypto::SigStatus::error) {
      return false;
    }
  }
  return !sigs.empty();
}

void
too_large(SmimeLayers& out, std::size_t max)
{
  out.malformed = true;
  out.failure =
    fmt::format("the S/MIME content is larger than {} MiB (limit)", max / (1024 * 1024));
  out.fix = "raise the limit with `verify --max-plaintext BYTES` if you expect such a message";
}

} // namespace

Result<SmimeLayers>
walk_smime(crypto::CmsEngine& cms, const mime::Inspection& top, std::size_t max_plaintext)
{
  SmimeLayers out;
  std::vector<crypto::SignatureFacts> pending; // since the last enveloped layer
  mime::Inspection holder;
  const mime::Inspection* ins = &top;
  for (int depth = 0;; ++depth) {
    if (depth >= k_max_layers) {
      out.malformed = true;
      out.failure = "S/MIME layers are nested too deeply";
      return out;
    }
    if (!ins->malformed.empty()) {
      out.malformed = true;
      out.failure = ins->malformed;
      return out;
    }
    if (depth > 0) {
      out.warnings.insert(out.warnings.end(), ins->warnings.begin(), ins->warnings.end());
    }
    out.covers_all = out.covers_all && ins->covers_all;
    std::string next;
    if (ins->smime_detached) {
      PEERMAIL_TRY_ASSIGN(auto sigs, cms.verify_detached(ins->signed_content, ins->signature));
      pending.insert(pending.end(), sigs.begin(), sigs.end());
      out.protected_headers = ins->protected_headers;
      next = ins->signed_content;
    } else {
      switch (crypto::identify_cms(ins->payload)) {
      case crypto::CmsKind::signed_data: {
        PEERMAIL_TRY_ASSIGN(auto o, cms.verify_opaque(ins->payload, max_plaintext));
        if (o.too_large) {
          too_large(out, max_plaintext);
          return out;
        }
        pending.insert(pending.end(), o.signatures.begin(), o.signatures.end());
        next = std::move(o.content);
        break;
      }
      case crypto::CmsKind::enveloped_data: {
        out.encrypted = true;
        PEERMAIL_TRY_ASSIGN(auto d, cms.decrypt(ins->payload, max_plaintext));
        if (d.too_large) {
          out.malformed = true;
          out.failure = d.failure;
          out.fix = d.fix;
          return out;
        }
        if (!d.decrypted) {
          out.decrypted = false;
          out.failure = d.failure;
          out.fix = d.fix;
          out.signatures = std::move(pending);
          return out;
        }
        out.decrypted = true;
        out.outside_signatures += pending.size();
        pending.clear();
        out.protected_headers.reset();
        next = std::move(d.plaintext);
        break;
      }
      case crypto::CmsKind::other:
        out.malformed = true;
        out.failure = "application/pkcs7-mime holds neither signed nor enveloped data";
        return out;
      }
    }
    if (next.empty()) {
      break; // a signature that did not verify releases no content
    }
    auto inner = mime::inspect(next);
    if (!inner) {
      out.malformed = true;
      out.failure = "the S/MIME content is not a MIME entity";
      return out;
    }
    holder = std::move(*inner);
    ins = &holder;
    if (ins->shape == mime::Shape::smime) {
      continue;
    }
    if (ins->shape != mime::Shape::plain) {
      out.covers_all = false;
      out.warnings.emplace_back("OpenPGP or another protocol inside S/MIME is not judged");
    }
    out.warnings.insert(out.warnings.end(), ins->warnings.begin(), ins->warnings.end());
    if (!out.protected_headers) {
      out.protected_headers = ins->protected_headers;
    }
    out.content = std::move(next);
    break;
  }
  out.signatures = std::move(pending);
  if (out.outside_signatures > 0) {
    out.warnings.push_back(
      fmt::format("{} signature(s) outside the encryption cover only the ciphertext, not what "
                  "you read: not counted",
                  out.outside_signatures));
  }
  if (out.encrypted && out.decrypted) {
    out.integrity_protected = all_intact(out.signatures);
    if (!out.integrity_protected) {
      out.failure =
        out.signatures.empty()
          ? "S/MIME enveloped data has no integrity protection of its own and nothing inside "
            "it is signed: it may have been altered (EFAIL)"
          : "the signature inside the S/MIME enveloped data does not verify: the content may "
            "have been altered";
      out.content.clear();
    }
  }
  return out;
}

} // namespace peermail::verify::detail
