// SPDX-License-Identifier: GPL-3.0-or-later
#include "gobject.hpp"

#include "strict.hpp"

namespace peermail::mime {

FormatOptions
crlf_format()
{
  FormatOptions o(g_mime_format_options_new());
  g_mime_format_options_set_newline_format(o.get(), GMIME_NEWLINE_FORMAT_DOS);
  return o;
}

GPtr<GMimeMessage>
parse_gmime_message(std::string_view bytes)
{
  // GMime's address parser recurses: bound the nesting before it runs.
  if (!address_nesting_problem(bytes).empty()) {
    return nullptr;
  }
  GPtr<GMimeStream> stream(g_mime_stream_mem_new_with_buffer(bytes.data(), bytes.size()));
  GPtr<GMimeParser> parser(g_mime_parser_new_with_stream(stream.get()));
  g_mime_parser_set_format(parser.get(), GMIME_FORMAT_MESSAGE);
  return GPtr<GMimeMessage>(g_mime_parser_construct_message(parser.get(), nullptr));
}

std::string
to_bytes(GMimeObject* object, GMimeFormatOptions* options)
{
  GPtr<GMimeStream> mem(g_mime_stream_mem_new());
  g_mime_object_write_to_stream(object, options, mem.get());
  GByteArray* arr = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem.get()));
  return std::string(reinterpret_cast<const char*>(arr->data), arr->len);
}

std::string
decoded_content(GMimePart* part)
{
  GMimeDataWrapper* content = g_mime_part_get_content(part);
  if (content == nullptr) {
    return {};
  }
  GPtr<GMimeStream> mem(g_mime_stream_mem_new());
  g_mime_data_wrapper_write_to_stream(content, mem.get());
  GByteArray* arr = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem.get()));
  return std::string(reinterpret_cast<const char*>(arr->data), arr->len);
}

} // namespace peermail::mime
