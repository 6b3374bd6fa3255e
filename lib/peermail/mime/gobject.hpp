// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// RAII for GMime's GObjects (internal to mime/).

#include <gmime/gmime.h>

#include <memory>
#include <string>
#include <string_view>

namespace peermail::mime {

struct GObjectUnref
{
  void
  operator()(gpointer p) const
  {
    if (p != nullptr) {
      g_object_unref(p);
    }
  }
};

// An owning reference to a GObject of type `T`.
template<typename T> using GPtr = std::unique_ptr<T, GObjectUnref>;

struct FormatOptionsFree
{
  void
  operator()(GMimeFormatOptions* o) const
  {
    g_mime_format_options_free(o);
  }
};
using FormatOptions = std::unique_ptr<GMimeFormatOptions, FormatOptionsFree>;

// Return format options that write CRLF line ends (RFC 3156 §5 canonical form).
FormatOptions crlf_format();

// Parse `bytes` as a message (headers + body). Returns null when GMime cannot.
GPtr<GMimeMessage> parse_gmime_message(std::string_view bytes);

// Serialize `object` with `options` (null: GMime defaults).
std::string to_bytes(GMimeObject* object, GMimeFormatOptions* options);

// Return the transfer-decoded content of a leaf part (no charset conversion).
std::string decoded_content(GMimePart* part);

// Return `p` as a std::string ("" for null); frees nothing.
inline std::string
str(const char* p)
{
  return p != nullptr ? std::string(p) : std::string();
}

} // namespace peermail::mime
