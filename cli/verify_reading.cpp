// SPDX-License-Identifier: GPL-3.0-or-later
#include "verify_reading.hpp"

#include "exit_codes.hpp"
#include "message_input.hpp"
#include "output.hpp"
#include "verify_report.hpp"

#include <peermail/util/strings.hpp>

#include <fmt/core.h>

#include <unistd.h>

#include <cstdio>

namespace peermail::cli {

namespace {

// The name an attachment without one is saved under.
std::string
fallback_name(const mime::Attachment& a, std::size_t index)
{
  return fmt::format(
    "attachment-{}{}", index + 1, a.content_type == "message/rfc822" ? ".eml" : "");
}

} // namespace

Result<std::optional<ReleasedReading>>
read_released(const verify::VerifyReport& r, util::SaveDir* dir, bool required)
{
  if (r.decrypted_message.empty()) {
    return std::optional<ReleasedReading>{};
  }
  ReleasedReading rr;
  auto reading = mime::read_message(r.decrypted_message);
  if (!reading) {
    if (required) {
      return unexpected(reading.error());
    }
    print_warn(reading.error().message); // the plaintext is released as before
    return std::optional<ReleasedReading>{};
  }
  rr.reading = std::move(*reading);
  rr.saved_as.resize(rr.reading.attachments.size());
  if (dir != nullptr) {
    for (std::size_t i = 0; i < rr.reading.attachments.size(); ++i) {
      const auto& a = rr.reading.attachments[i];
      PEERMAIL_TRY_ASSIGN(auto name, dir->save(a.name, a.content, fallback_name(a, i)));
      rr.saved_as[i] = fmt::format("{}/{}", dir->path(), name);
    }
  }
  return std::optional<ReleasedReading>(std::move(rr));
}

std::string
render_reading_text(const ReleasedReading& rr)
{
  const auto& rd = rr.reading;
  std::string out =
    fmt::format("subject: {}\n", rd.subject.empty() ? "(none)" : util::terminal_safe(rd.subject));
  out += fmt::format("attachments: {}\n", rd.attachments.size());
  for (std::size_t i = 0; i < rd.attachments.size(); ++i) {
    const auto& a = rd.attachments[i];
    out += fmt::format("  {}. {} ({}, {} bytes){}\n",
                       i + 1,
                       a.name.empty() ? "(no name)" : util::terminal_safe(a.name),
                       util::terminal_safe(a.content_type),
                       a.content.size(),
                       rr.saved_as[i].empty()
                         ? std::string()
                         : fmt::format(" saved as {}", util::terminal_safe(rr.saved_as[i])));
  }
  return out;
}

nlohmann::json
reading_json(const ReleasedReading& rr)
{
  nlohmann::json list = nlohmann::json::array();
  for (std::size_t i = 0; i < rr.reading.attachments.size(); ++i) {
    const auto& a = rr.reading.attachments[i];
    list.push_back({
      {"name",     a.name          },
      {"type",     a.content_type  },
      {"bytes",    a.content.size()},
      {"saved_as", rr.saved_as[i]  }
    });
  }
  return {
    {"subject",     rr.reading.subject},
    {"attachments", list              }
  };
}

Result<void>
write_verify_report(bool json,
                    const verify::VerifyReport& r,
                    const std::optional<ReleasedReading>& rr,
                    bool to_stderr)
{
  std::string text;
  if (json) {
    auto j = nlohmann::json::parse(render_verify_json(r));
    if (rr) {
      j["reading"] = reading_json(*rr);
    }
    text = json_text(j) + "\n";
  } else {
    text = render_verify_text(r);
    if (rr && ::isatty(to_stderr ? STDERR_FILENO : STDOUT_FILENO) != 0) {
      text += render_reading_text(*rr);
    }
  }
  if (to_stderr) {
    std::fputs(text.c_str(), stderr);
    return {};
  }
  return write_stdout(text);
}

int
release_plaintext(const verify::VerifyReport& r,
                  const std::optional<ReleasedReading>& rr,
                  const Release& how)
{
  if (r.decrypted_message.empty()) {
    print_note(r.encrypted ? "no plaintext written: the message was not decrypted intact"
                           : "no plaintext written: the message is not encrypted");
    return k_ok;
  }
  Result<void> w;
  if (how.body_only) {
    std::string body = rr ? util::terminal_safe_text(rr->reading.body) : std::string();
    if (!body.empty() && body.back() != '\n') {
      body += '\n';
    }
    w = write_stdout(body);
  } else if (!how.output.empty()) {
    w = write_output(how.output, r.decrypted_message, how.overwrite);
  } else {
    w = write_stdout(r.decrypted_message);
  }
  return w ? k_ok : print_error(w.error());
}

} // namespace peermail::cli
