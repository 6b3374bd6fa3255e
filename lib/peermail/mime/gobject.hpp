// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// RAII for GMime's GObjects (internal to mime/).

#include <peermail/util/handle.hpp>

#include <gmime/gmime.h>

#include <memory>
#include <string>
#include <string_view>

namespace peermail::mime {

// An owning reference to a GObject of type `T`.
template<typename T> using GPtr = util::Handle<T, g_object_unref>;

using FormatOptions = util::Handle<GMimeFormatOptions, g_mime_format_options_free>;

// An owned GDateTime (a GLib boxed type, not a GObject).
using DateTime = util::Handle<GDateTime, g_date_time_unref>;

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
