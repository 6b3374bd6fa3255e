// SPDX-License-Identifier: GPL-3.0-or-later
// Judge a ComposeRequest before anything is built: header injection,
// addresses, limits, attachments.
#include "compose.hpp"
#include "compose_internal.hpp"

#include <peermail/util/strings.hpp>

#include <fmt/core.h>

#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <set>
#include <vector>

namespace peermail::mime {

Result<Mailbox>
parse_address(std::string_view text, std::string_view field, const ComposeLimits& limits)
{
  return address::parse_mailbox(text, field, limits.max_display_name_bytes);
}

Result<Composed>
validate(const ComposeRequest& req, const ComposeLimits& limits)
{
  // Header injection first, before any other judgement.
  if (util::has_line_break_or_nul(req.subject)) {
    return fail(Errc::data, "--subject contains a line break or NUL byte (header injection)");
  }
  if (util::has_line_break_or_nul(req.message_id)) {
    return fail(Errc::data, "Message-ID contains a line break or NUL byte (header injection)");
  }
  const std::array<std::pair<const std::vector<std::string>*, const char*>, 3> fields = {
    {{&req.to, "--to"}, {&req.cc, "--cc"}, {&req.bcc, "--bcc"}}
  };
  for (const auto& [list, name] : fields) {
    for (const auto& a : *list) {
      if (util::has_line_break_or_nul(a)) {
        return fail(
          Errc::data,
          fmt::format("{}: an address contains a line break or NUL byte (header injection)", name));
      }
    }
  }
  if (util::has_line_break_or_nul(req.from)) {
    return fail(Errc::data,
                "From: the address contains a line break or NUL byte (header injection)");
  }
  for (std::size_t i = 0; i < req.attachments.size(); ++i) {
    const auto& a = req.attachments[i];
    // The name that travels is the basename of the path unless given.
    if (util::has_line_break_or_nul(a.filename) || util::has_line_break_or_nul(a.content_type)
        || util::has_line_break_or_nul(basename_of(a.path))
        || a.path.find('\0') != std::string::npos) {
      return fail(Errc::data,
                  fmt::format("--attach #{}: the name contains a line break or NUL byte", i + 1));
    }
  }

  Composed c;
  PEERMAIL_TRY_ASSIGN(c.from, parse_address(req.from, "From", limits));
  std::set<std::string> seen;
  std::vector<Mailbox>* outs[] = {&c.to, &c.cc, &c.bcc};
  for (std::size_t f = 0; f < fields.size(); ++f) {
    for (const auto& a : *fields[f].first) {
      PEERMAIL_TRY_ASSIGN(auto m, parse_address(a, fields[f].second, limits));
      if (seen.insert(m.address).second) {
        outs[f]->push_back(std::move(m));
      }
    }
  }
  if (c.to.empty() && c.cc.empty() && c.bcc.empty()) {
    return fail(Errc::usage, "no recipients: give at least one --to, --cc or --bcc");
  }
  if (seen.size() > limits.max_recipients) {
    return fail(
      Errc::data,
      fmt::format("{} recipients exceed the limit of {}", seen.size(), limits.max_recipients),
      "",
      "split the message, or use `peermail batch`");
  }
  if (req.subject.size() > limits.max_subject_bytes) {
    return fail(Errc::data,
                fmt::format("--subject is longer than {} bytes", limits.max_subject_bytes));
  }
  if (!util::valid_utf8(req.subject)) {
    return fail(Errc::data, "--subject is not valid UTF-8");
  }
  if (req.body.size() > limits.max_body_bytes) {
    return fail(Errc::data,
                fmt::format("the body is larger than {} MiB", limits.max_body_bytes >> 20),
                "",
                "send large content as an --attach file");
  }
  if (req.body.find('\0') != std::string::npos || !util::valid_utf8(req.body)) {
    return fail(Errc::data,
                "the body is not UTF-8 text",
                "",
                "convert it with `iconv -t UTF-8`, or send it with --attach");
  }
  if (req.attachments.size() > limits.max_attachments) {
    return fail(Errc::data,
                fmt::format("{} attachments exceed the limit of {}",
                            req.attachments.size(),
                            limits.max_attachments));
  }
  std::uint64_t total = req.body.size();
  for (std::size_t i = 0; i < req.attachments.size(); ++i) {
    const auto& a = req.attachments[i];
    struct stat st
    {
    };
    if (::stat(a.path.c_str(), &st) != 0) {
      return fail(Errc::no_input,
                  fmt::format("--attach #{}: cannot read: {}", i + 1, std::strerror(errno)));
    }
    if (!S_ISREG(st.st_mode)) {
      return fail(Errc::no_input, fmt::format("--attach #{}: not a regular file", i + 1));
    }
    if (::access(a.path.c_str(), R_OK) != 0) {
      return fail(Errc::no_input,
                  fmt::format("--attach #{}: cannot read: {}", i + 1, std::strerror(errno)));
    }
    const auto size = static_cast<std::uint64_t>(st.st_size);
    if (size > limits.max_attachment_bytes) {
      return fail(Errc::data,
                  fmt::format("--attach #{}: larger than the limit of {} MiB",
                              i + 1,
                              limits.max_attachment_bytes >> 20));
    }
    total += size;
  }
  if (total > limits.max_total_bytes) {
    return fail(
      Errc::data,
      fmt::format("the message content exceeds the limit of {} MiB", limits.max_total_bytes >> 20));
  }
  c.message_id =
    req.message_id.empty() ? make_message_id(address::domain_of(c.from.address)) : req.message_id;
  if (c.message_id.size() >= 2 && c.message_id.front() == '<' && c.message_id.back() == '>') {
    c.message_id = c.message_id.substr(1, c.message_id.size() - 2);
  }
  return c;
}

} // namespace peermail::mime
