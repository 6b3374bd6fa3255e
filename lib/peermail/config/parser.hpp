// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
// The config reader: one Parser reads a TOML document into a Config. Its
// members live in one file per responsibility: parser.cpp (the document,
// TOML values, account selection), section_*.cpp (one per [section]),
// env.cpp (PEERMAIL_* overrides), defaults.cpp (defaults, required keys).
// Internal to config/.

#include "config.hpp"
#include "keys.hpp"

#include <peermail/util/result.hpp>

#include <fmt/core.h>
#include <toml++/toml.h>

#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace peermail::config {

// Return " (did you mean \"KEY\"?)" for the name in `known` closest to
// `key`, or "" when none is close.
std::string did_you_mean(std::string_view key, const std::vector<std::string_view>& known);

// One rule for account.NAME.host wherever it is set (the file or
// $PEERMAIL_HOST): a plain host name, the reference identity of TLS-05.
// `where` is "file:line:col" or "$PEERMAIL_HOST". The value is not quoted
// (it may hold line breaks).
Result<void> check_host(const std::string& host, const std::string& where, const std::string& key);

class Parser
{
public:
  Parser(std::string path, const LoadOptions& opts)
    : m_path(std::move(path)),
      m_opts(opts)
  {
  }

  Result<Config> run(std::string_view text);

private:
  std::string m_path;
  const LoadOptions& m_opts;
  Config m_cfg;
  std::string_view m_text; // the document (for raw values in errors)

  SourcePos
  pos(const toml::source_region& src) const
  {
    return SourcePos{m_path, static_cast<int>(src.begin.line), static_cast<int>(src.begin.column)};
  }

  Error
  err(const toml::source_region& src, const std::string& key, const std::string& msg) const
  {
    return Error(
      Errc::config,
      fmt::format("{}:{}:{}: {}: {}", m_path, src.begin.line, src.begin.column, key, msg));
  }

  void
  violate(const std::string& key,
          const std::string& value,
          SourcePos where,
          std::string_view check_id,
          std::string_view problem,
          std::string_view fix)
  {
    m_cfg.violations.push_back(Violation{
      key, value, std::move(where), std::string(check_id), std::string(problem), std::string(fix)});
  }

  // Refuse unknown keys of `tbl` (with a suggestion), record weakening keys
  // as violations and the position of every known key. `known` is a table
  // of Key or of names.
  template<typename KeyRange>
  Result<void>
  check_keys(const toml::table& tbl, const std::string& prefix, const KeyRange& known)
  {
    std::vector<std::string_view> names;
    for (const auto& k : known) {
      if constexpr (std::is_same_v<std::decay_t<decltype(k)>, Key>) {
        names.push_back(k.name);
      } else {
        names.push_back(k);
      }
    }
    return check_names(tbl, prefix, names);
  }
  Result<void> check_names(const toml::table& tbl,
                           const std::string& prefix,
                           const std::vector<std::string_view>& names);

  // Match every enum key of `t` (a table of `prefix`) against its words
  // (EnumKey): the value is written back in lower case when it is one of
  // them; a word within two edits of one is an error with "did you mean".
  Result<void>
  normalise_enums(toml::table& t, const std::string& prefix, std::span<const EnumKey> enums);

  Result<std::string> get_string(const toml::node& n, const std::string& key);
  Result<long> get_int(const toml::node& n, const std::string& key, long lo, long hi);
  Result<bool> get_bool(const toml::node& n, const std::string& key);

  Result<void> parse_identity(const toml::table& t);
  Result<void> parse_account(const std::string& name, const toml::table& t);
  Result<void> parse_policy(const toml::table& t);
  Result<void> parse_peers(toml::node& n);
  Result<void> parse_audit(const toml::table& t);
  Result<void> parse_smime(const toml::table& t);
  Result<void> parse_compliance(const toml::table& t);
  Result<void> apply_env();
  Result<void> finish();
};

} // namespace peermail::config
