// SPDX-License-Identifier: GPL-3.0-or-later
// Reading the TOML document: top-level tables, typed values, unknown keys,
// account selection.
#include "parser.hpp"

#include <peermail/util/fs.hpp>
#include <peermail/util/strings.hpp>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <tuple>

namespace peermail::config {

namespace {

// Return line `line_no` (1-based) of `text` without its line end ("" past
// the end).
std::string_view
line_of(std::string_view text, std::size_t line_no)
{
  std::size_t pos = 0;
  for (std::size_t i = 1; i < line_no; ++i) {
    pos = text.find('\n', pos);
    if (pos == std::string_view::npos) {
      return {};
    }
    ++pos;
  }
  auto line = text.substr(pos, text.find('\n', pos) - pos);
  if (!line.empty() && line.back() == '\r') {
    line.remove_suffix(1);
  }
  return line;
}

// Return `value` as a TOML basic string, terminal-safe.
std::string
toml_quoted(std::string_view value)
{
  std::string out = "\"";
  for (const char c : value) {
    if (c == '"' || c == '\\') {
      out += '\\';
    }
    out += c;
  }
  out += '"';
  return util::terminal_safe(out);
}

// Return the problem of a TOML syntax error in the user's words when its
// line is `key = word` with a bare word where a value belongs (toml++ says
// "Error while parsing floating-point: expected 'inf'" for `tls = implicit`),
// else "". The value of a key that names a secret is never shown.
std::string
bare_word_problem(std::string_view line)
{
  const auto eq = line.find('=');
  if (eq == std::string_view::npos) {
    return {};
  }
  const auto key = util::trim(line.substr(0, eq));
  auto value = line.substr(eq + 1);
  value = util::trim(value.substr(0, value.find('#')));
  const bool plain_key = !key.empty() && std::all_of(key.begin(), key.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '-' || c == '.';
  });
  if (!plain_key || value.empty()
      || std::string_view("\"'[{+-").find(value[0]) != std::string_view::npos
      || std::isdigit(static_cast<unsigned char>(value[0])) != 0) {
    return {};
  }
  const std::string lower = util::to_lower(value);
  if (lower == "true" || lower == "false") {
    return fmt::format("true and false are written in lower case: {} = {}", key, lower);
  }
  const std::string name = util::to_lower(key.substr(key.rfind('.') + 1));
  const bool secret = name.find("pass") != std::string::npos
                      || name.find("secret") != std::string::npos
                      || name.find("token") != std::string::npos;
  return fmt::format(
    "strings must be quoted: {} = {}", key, secret ? std::string("\"…\"") : toml_quoted(value));
}

} // namespace

std::string
did_you_mean(std::string_view key, const std::vector<std::string_view>& known)
{
  std::string best;
  std::size_t best_d = 3;
  for (auto k : known) {
    const auto d = util::edit_distance(util::to_lower(key), k);
    if (d < best_d || (d == best_d && best.empty() && d <= 2)) {
      best_d = d;
      best = std::string(k);
    }
  }
  return best.empty() ? std::string() : fmt::format(" (did you mean \"{}\"?)", best);
}

Result<void>
Parser::check_names(const toml::table& tbl,
                    const std::string& prefix,
                    const std::vector<std::string_view>& names)
{
  for (auto&& [k, v] : tbl) {
    const std::string name(k.str());
    const std::string full = prefix.empty() ? name : prefix + "." + name;
    bool ok = false;
    for (auto n : names) {
      ok = ok || n == name;
    }
    if (ok) {
      m_cfg.positions[full] = pos(v.source());
      continue;
    }
    bool weak = false;
    for (const auto& w : k_weakening) {
      if (w.key == util::to_lower(name)) {
        const bool secret = w.check_id == "AUTH-04";
        std::string shown = secret ? std::string("\"…\"") : std::string();
        if (!secret) {
          if (auto s = v.value<std::string>()) {
            shown = fmt::format("\"{}\"", *s);
          } else if (auto b = v.value<bool>()) {
            shown = *b ? "true" : "false";
          } else {
            shown = "…";
          }
        }
        violate(full, shown, pos(v.source()), w.check_id, w.problem, w.fix);
        m_cfg.positions[full] = pos(v.source());
        weak = true;
        break;
      }
    }
    if (!weak) {
      return unexpected(
        err(k.source(), full, fmt::format("unknown key{}", did_you_mean(name, names))));
    }
  }
  return {};
}

Result<void>
Parser::normalise_enums(toml::table& t, const std::string& prefix, std::span<const EnumKey> enums)
{
  for (const auto& e : enums) {
    auto* node = t.get(e.name);
    auto* value = node != nullptr ? node->as_string() : nullptr;
    if (value == nullptr) {
      continue; // absent, or not a string: the section says so
    }
    const std::string lower = util::to_lower(value->get());
    const auto it = std::find(e.values.begin(), e.values.end(), lower);
    if (it != e.values.end()) {
      value->get() = lower; // in place: the node keeps its position
      continue;
    }
    std::vector<std::string_view> words(e.values.begin(), e.values.end());
    const std::string hint = did_you_mean(lower, words);
    if (!hint.empty()) {
      std::string list;
      for (const auto w : words) {
        list += fmt::format("{}\"{}\"", list.empty() ? "" : ", ", w);
      }
      return unexpected(
        err(node->source(),
            fmt::format("{}.{}", prefix, e.name),
            fmt::format("{} is not one of {}{}", toml_quoted(value->get()), list, hint)));
    }
  }
  return {};
}

Result<std::string>
Parser::get_string(const toml::node& n, const std::string& key)
{
  if (!n.is_string()) {
    const auto& b = n.source().begin;
    const auto& e = n.source().end;
    const auto line = line_of(m_text, b.line);
    if (!n.is_table() && !n.is_array() && b.line == e.line && b.column >= 1 && e.column > b.column
        && e.column - 1 <= line.size()) {
      // A number or date where a string belongs (min_tls = 1.2): show it quoted.
      const auto raw = line.substr(b.column - 1, e.column - b.column);
      return unexpected(err(n.source(),
                            key,
                            fmt::format("expected a string: write {} = {}",
                                        key.substr(key.rfind('.') + 1),
                                        toml_quoted(raw))));
    }
    return unexpected(err(n.source(), key, "expected a string"));
  }
  const std::string& s = n.as_string()->get();
  // strlen, not find('\0'): GCC 12 warns falsely (stringop-overread) there.
  if (std::strlen(s.c_str()) != s.size()) {
    return unexpected(err(n.source(), key, "contains a NUL byte"));
  }
  return s;
}

Result<long>
Parser::get_int(const toml::node& n, const std::string& key, long lo, long hi)
{
  if (!n.is_integer()) {
    return unexpected(err(n.source(), key, "expected an integer"));
  }
  const long v = static_cast<long>(*n.value<int64_t>());
  if (v < lo || v > hi) {
    return unexpected(err(n.source(), key, fmt::format("{} is out of range ({}..{})", v, lo, hi)));
  }
  return v;
}

Result<bool>
Parser::get_bool(const toml::node& n, const std::string& key)
{
  if (!n.is_boolean()) {
    return unexpected(err(n.source(), key, "expected true or false"));
  }
  return *n.value<bool>();
}

Result<Config>
Parser::run(std::string_view text)
{
  m_cfg.path = m_path;
  m_cfg.sha256 = util::sha256_hex(text);
  m_text = text;
  toml::table root;
  try {
    root = toml::parse(text, m_path);
  } catch (const toml::parse_error& e) {
    const auto& b = e.source().begin;
    if (auto p = bare_word_problem(line_of(text, b.line)); !p.empty()) {
      return fail(Errc::config, fmt::format("{}:{}: {}", m_path, b.line, p));
    }
    return fail(Errc::config,
                fmt::format("{}:{}:{}: {}", m_path, b.line, b.column, e.description()));
  }
  for (auto&& [k, v] : root) {
    const std::string name(k.str());
    bool known = false;
    for (auto t : k_top_level) {
      known = known || t == name;
    }
    if (!known) {
      std::vector<std::string_view> names(std::begin(k_top_level), std::end(k_top_level));
      return unexpected(
        err(k.source(), name, fmt::format("unknown key{}", did_you_mean(name, names))));
    }
    if (name != "peer" && !v.is_table()) {
      return unexpected(err(v.source(), name, "expected a table"));
    }
  }
  if (auto t = root["identity"].as_table()) {
    PEERMAIL_TRY(parse_identity(*t));
  }
  if (auto t = root["account"].as_table()) {
    for (auto&& [k, v] : *t) {
      const std::string name(k.str());
      if (!v.is_table()) {
        return unexpected(
          err(v.source(), "account." + name, "expected a table such as [account.default]"));
      }
      PEERMAIL_TRY(normalise_enums(*v.as_table(), "account." + name, k_account_enums));
      PEERMAIL_TRY(parse_account(name, *v.as_table()));
    }
  }
  if (auto t = root["policy"].as_table()) {
    PEERMAIL_TRY(parse_policy(*t));
  }
  if (auto n = root.get("peer")) {
    PEERMAIL_TRY(parse_peers(*n));
  }
  if (auto t = root["audit"].as_table()) {
    PEERMAIL_TRY(parse_audit(*t));
  }
  if (auto t = root["smime"].as_table()) {
    PEERMAIL_TRY(parse_smime(*t));
  }
  if (auto t = root["compliance"].as_table()) {
    PEERMAIL_TRY(parse_compliance(*t));
  }

  // Account selection: --account > $PEERMAIL_ACCOUNT > "default" > the only one.
  std::string want;
  SourcePos want_src;
  if (m_opts.account) {
    want = *m_opts.account;
    want_src = {"--account", 0, 0};
  } else if (auto e = m_opts.env.find("PEERMAIL_ACCOUNT");
             e != m_opts.env.end() && !e->second.empty()) {
    want = e->second;
    want_src = {"$PEERMAIL_ACCOUNT", 0, 0};
  }
  if (!want.empty()) {
    if (!m_cfg.accounts.count(want)) {
      std::vector<std::string_view> names;
      for (const auto& [n, a] : m_cfg.accounts) {
        names.push_back(n);
      }
      return fail(
        Errc::config,
        fmt::format(
          "{}: no account \"{}\" in {}{}", want_src.file, want, m_path, did_you_mean(want, names)));
    }
    m_cfg.account_name = want;
  } else if (m_cfg.accounts.count("default")) {
    m_cfg.account_name = "default";
  } else if (m_cfg.accounts.size() == 1) {
    m_cfg.account_name = m_cfg.accounts.begin()->first;
  } else if (!m_cfg.accounts.empty()) {
    return fail(
      Errc::config,
      fmt::format("{}: several accounts and none is \"default\"; choose one with --account",
                  m_path));
  }
  PEERMAIL_TRY(apply_env());
  PEERMAIL_TRY(finish());
  // toml++ iterates tables in key order; report violations in file order.
  std::stable_sort(
    m_cfg.violations.begin(), m_cfg.violations.end(), [](const auto& a, const auto& b) {
      return std::tie(a.pos.line, a.pos.column) < std::tie(b.pos.line, b.pos.column);
    });

  if (m_opts.strictness == Strictness::refuse && !m_cfg.violations.empty()) {
    const auto& v = m_cfg.violations.front();
    const std::string where =
      v.pos.line > 0 ? fmt::format("{}:{}:{}", v.pos.file, v.pos.line, v.pos.column) : v.pos.file;
    return fail(Errc::insecure_config,
                fmt::format("{}: {} = {} is not compliant: {}", where, v.key, v.value, v.problem),
                v.check_id,
                v.fix);
  }
  return std::move(m_cfg);
}

} // namespace peermail::config
