// SPDX-License-Identifier: GPL-3.0-or-later
#include "audit_show_report.hpp"

#include "output.hpp"

#include <peermail/util/strings.hpp>

#include <fmt/core.h>

#include <string>

namespace peermail::cli {

namespace {

constexpr const char* k_row = "{:>6} {:<24} {:<12} {:<10} {:<14} {:<4} {:<30} {}\n";

std::string
field(const nlohmann::json& j, const char* key)
{
  const auto it = j.find(key);
  if (it == j.end() || it->is_null()) {
    return "-";
  }
  if (it->is_string()) {
    return it->get<std::string>().empty() ? "-" : util::terminal_safe(it->get<std::string>());
  }
  return util::terminal_safe(it->dump());
}

std::string
recipients(const nlohmann::json& j)
{
  const auto it = j.find("recipients");
  if (it == j.end() || !it->is_array() || it->empty()) {
    return "-";
  }
  std::string out;
  for (const auto& r : *it) {
    if (!out.empty()) {
      out += ",";
    }
    out +=
      r.is_string() ? util::terminal_safe(r.get<std::string>()) : util::terminal_safe(json_text(r));
  }
  return out;
}

std::string
smtp_code(const nlohmann::json& j)
{
  const auto it = j.find("smtp");
  if (it == j.end() || !it->is_object() || !it->contains("code") || (*it)["code"].is_null()) {
    return "-";
  }
  return util::terminal_safe(json_text((*it)["code"]));
}

} // namespace

void
print_show_header()
{
  fmt::print(k_row, "SEQ", "TIME", "USER", "ACTION", "OUTCOME", "SMTP", "RECIPIENTS", "MESSAGE-ID");
}

void
print_show_row(const nlohmann::json& record)
{
  fmt::print(k_row,
             field(record, "seq"),
             field(record, "ts"),
             field(record, "user"),
             field(record, "action"),
             field(record, "outcome"),
             smtp_code(record),
             recipients(record),
             field(record, "message_id"));
}

} // namespace peermail::cli
