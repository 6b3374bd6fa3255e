// SPDX-License-Identifier: GPL-3.0-or-later
// Build a new message from a ComposeRequest and write it.
#include "compose.hpp"

#include "compose_internal.hpp"

#include <peermail/util/fd.hpp>

#include <fmt/core.h>
#include <gmime/gmime.h>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

namespace peermail::mime {

std::string
basename_of(const std::string& path)
{
  const auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

void
add_mailbox(GMimeMessage* msg, GMimeAddressType type, const Mailbox& m)
{
  GPtr<InternetAddress> a(internet_address_mailbox_new(
    m.display_name.empty() ? nullptr : m.display_name.c_str(), m.address.c_str()));
  internet_address_set_charset(a.get(), "utf-8");
  internet_address_list_add(g_mime_message_get_addresses(msg, type), a.get());
}

namespace {

Result<std::string>
read_head(const std::string& path, std::size_t n)
{
  const util::Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) {
    return fail(Errc::no_input, std::strerror(errno));
  }
  std::string buf(n, '\0');
  const auto got = ::read(fd.get(), buf.data(), n);
  if (got < 0) {
    return fail(Errc::no_input, std::strerror(errno));
  }
  buf.resize(static_cast<std::size_t>(got));
  return buf;
}

// Build the message object (without writing it).
Result<GPtr<GMimeMessage>>
build(const ComposeRequest& req, const Composed& c)
{
  GPtr<GMimeMessage> msg(g_mime_message_new(TRUE));
  add_mailbox(msg.get(), GMIME_ADDRESS_TYPE_FROM, c.from);
  for (const auto& m : c.to) {
    add_mailbox(msg.get(), GMIME_ADDRESS_TYPE_TO, m);
  }
  for (const auto& m : c.cc) {
    add_mailbox(msg.get(), GMIME_ADDRESS_TYPE_CC, m);
  }
  // Bcc is deliberately never added: no copy may reveal Bcc recipients.
  g_mime_message_set_subject(msg.get(), req.subject.c_str(), "utf-8");
  DateTime date(req.date ? g_date_time_new_from_unix_local(*req.date)
                         : g_date_time_new_now_local());
  g_mime_message_set_date(msg.get(), date.get());
  g_mime_message_set_message_id(msg.get(), c.message_id.c_str());
  g_mime_object_set_header(GMIME_OBJECT(msg.get()), "MIME-Version", "1.0", nullptr);

  GPtr<GMimeTextPart> text(g_mime_text_part_new_with_subtype("plain"));
  // The body bytes as given (UTF-8): g_mime_text_part_set_text() would pick
  // a "best" legacy charset instead.
  set_utf8_text(GMIME_PART(text.get()), req.body);

  if (req.attachments.empty()) {
    g_mime_message_set_mime_part(msg.get(), GMIME_OBJECT(text.get()));
    return msg;
  }

  GPtr<GMimeMultipart> mixed(g_mime_multipart_new_with_subtype("mixed"));
  g_mime_multipart_add(mixed.get(), GMIME_OBJECT(text.get()));
  for (std::size_t i = 0; i < req.attachments.size(); ++i) {
    const auto& a = req.attachments[i];
    std::string type = a.content_type;
    if (type.empty()) {
      auto head = read_head(a.path, 512);
      if (!head) {
        return fail(Errc::no_input,
                    fmt::format("--attach #{}: cannot read: {}", i + 1, head.error().message));
      }
      type = guess_content_type(a.filename.empty() ? basename_of(a.path) : a.filename, *head);
    }
    const auto slash = type.find('/');
    const std::string major = type.substr(0, slash);
    const std::string minor = slash == std::string::npos ? "octet-stream" : type.substr(slash + 1);
    GPtr<GMimePart> part(g_mime_part_new_with_type(major.c_str(), minor.c_str()));
    if (major == "text") {
      g_mime_object_set_content_type_parameter(GMIME_OBJECT(part.get()), "charset", "utf-8");
    }
    const std::string name = a.filename.empty() ? basename_of(a.path) : a.filename;
    g_mime_part_set_filename(part.get(), name.c_str()); // RFC 2231 encoded by GMime
    // Stream the file when the message is written; never load it whole.
    GError* gerr = nullptr;
    GPtr<GMimeStream> fs(g_mime_stream_fs_open(a.path.c_str(), O_RDONLY, 0, &gerr));
    if (!fs) {
      const std::string why = gerr != nullptr ? gerr->message : "cannot open";
      g_clear_error(&gerr);
      return fail(Errc::no_input, fmt::format("--attach #{}: cannot read: {}", i + 1, why));
    }
    GPtr<GMimeDataWrapper> wrapper(
      g_mime_data_wrapper_new_with_stream(fs.get(), GMIME_CONTENT_ENCODING_DEFAULT));
    g_mime_part_set_content(part.get(), wrapper.get());
    // Base64 for every attachment: the round trip is byte for byte, whatever
    // the line ends of a text file (RFC 2045 §6.8).
    g_mime_part_set_content_encoding(part.get(), GMIME_CONTENT_ENCODING_BASE64);
    g_mime_multipart_add(mixed.get(), GMIME_OBJECT(part.get()));
  }
  g_mime_message_set_mime_part(msg.get(), GMIME_OBJECT(mixed.get()));
  return msg;
}

} // namespace

// Write `obj` to `out`; return the number of bytes that reached `out`
// (after the CRLF filter).
Result<std::uint64_t>
write_message(GMimeObject* obj, GMimeStream* out)
{
  auto fo = crlf_format();
  const gint64 start = g_mime_stream_tell(out);
  const auto n = g_mime_object_write_to_stream(obj, fo.get(), out);
  if (n < 0 || g_mime_stream_flush(out) != 0) {
    return fail(Errc::io, fmt::format("cannot write the message: {}", std::strerror(errno)));
  }
  const gint64 end = g_mime_stream_tell(out);
  return static_cast<std::uint64_t>(end >= start && start >= 0 ? end - start : n);
}

Result<Composed>
compose_to_fd(const ComposeRequest& req, int fd, const ComposeLimits& limits)
{
  PEERMAIL_TRY_ASSIGN(auto c, validate(req, limits));
  PEERMAIL_TRY_ASSIGN(auto msg, build(req, c));
  GPtr<GMimeStream> out(g_mime_stream_fs_new(fd));
  g_mime_stream_fs_set_owner(GMIME_STREAM_FS(out.get()), FALSE);
  PEERMAIL_TRY_ASSIGN(c.size, write_message(GMIME_OBJECT(msg.get()), out.get()));
  return c;
}

Result<std::pair<Composed, std::string>>
compose(const ComposeRequest& req, const ComposeLimits& limits)
{
  PEERMAIL_TRY_ASSIGN(auto c, validate(req, limits));
  PEERMAIL_TRY_ASSIGN(auto msg, build(req, c));
  GPtr<GMimeStream> out(g_mime_stream_mem_new());
  PEERMAIL_TRY_ASSIGN(c.size, write_message(GMIME_OBJECT(msg.get()), out.get()));
  GByteArray* bytes = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(out.get()));
  std::string text(reinterpret_cast<const char*>(bytes->data), bytes->len);
  return std::make_pair(std::move(c), std::move(text));
}

} // namespace peermail::mime
