// SPDX-License-Identifier: GPL-3.0-or-later
#include "muttrc.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <utility>

namespace peermail::foreign {

namespace {

constexpr std::size_t k_max_depth = 8;

// Old names Mutt still accepts, read as the current ones.
std::string
canonical(std::string name)
{
  static const std::map<std::string, std::string, std::less<>> k_synonyms = {
    {"pgp_autosign",     "crypt_autosign"    },
    {"pgp_autoencrypt",  "crypt_autoencrypt" },
    {"pgp_replyencrypt", "crypt_replyencrypt"},
    {"pgp_replysign",    "crypt_replysign"   },
    {"pgp_sign_as",      "pgp_default_key"   },
  };
  const auto it = k_synonyms.find(name);
  return it == k_synonyms.end() ? name : it->second;
}

bool
is_space(char c)
{
  return c == ' ' || c == '\t' || c == '\r';
}

struct Token
{
  std::string text;
  bool from_command = false; // held a `backtick` substitution
};

// One logical line (continuations joined) and where it starts.
class Line
{
public:
  explicit Line(std::string_view text)
    : m_s(text)
  {
  }

  // Skip blanks; return true at the end of a command (end, `;` or `#`).
  bool
  at_command_end()
  {
    skip_space();
    return m_i >= m_s.size() || m_s[m_i] == ';' || m_s[m_i] == '#';
  }

  // Return true at the end of the line (a comment counts as the end).
  bool
  at_line_end()
  {
    skip_space();
    return m_i >= m_s.size() || m_s[m_i] == '#';
  }

  // Consume a `;` if there is one.
  void
  skip_separator()
  {
    if (m_i < m_s.size() && m_s[m_i] == ';') {
      ++m_i;
    }
  }

  // Consume an `=` (after blanks) if there is one.
  bool
  take_equal()
  {
    skip_space();
    if (m_i < m_s.size() && m_s[m_i] == '=') {
      ++m_i;
      skip_space();
      return true;
    }
    return false;
  }

  // Read one token as Mutt's mutt_extract_token does; `stop_at_equal`: an
  // unquoted `=` ends it (a variable name in `set`).
  Token
  next(bool stop_at_equal = false)
  {
    skip_space();
    Token t;
    char quote = 0;
    while (m_i < m_s.size()) {
      const char c = m_s[m_i];
      if (quote == 0 && (is_space(c) || c == '#' || c == ';' || (stop_at_equal && c == '='))) {
        break;
      }
      if (quote == 0 && (c == '"' || c == '\'')) {
        quote = c;
        ++m_i;
      } else if (quote != 0 && c == quote) {
        quote = 0;
        ++m_i;
      } else if (c == '\\' && quote != '\'' && m_i + 1 < m_s.size()) {
        const char e = m_s[m_i + 1];
        t.text += quote == '"' && e == 'n' ? '\n' : (quote == '"' && e == 't' ? '\t' : e);
        m_i += 2;
      } else if (c == '`' && quote != '\'') {
        // Command substitution: kept as written, never run.
        const auto end = m_s.find('`', m_i + 1);
        const auto stop = end == std::string_view::npos ? m_s.size() : end + 1;
        t.text += m_s.substr(m_i, stop - m_i);
        t.from_command = true;
        m_i = stop;
      } else {
        t.text += c;
        ++m_i;
      }
    }
    return t;
  }

private:
  void
  skip_space()
  {
    while (m_i < m_s.size() && is_space(m_s[m_i])) {
      ++m_i;
    }
  }

  std::string_view m_s;
  std::size_t m_i = 0;
};

class Parser
{
public:
  Parser(MuttFile& out, const MuttReader& read)
    : m_out(out),
      m_read(read)
  {
  }

  void
  parse(std::string_view text, const std::string& file, std::size_t depth)
  {
    m_out.files.push_back(file);
    m_stack.push_back(file);
    std::size_t line_no = 0;
    std::size_t pos = 0;
    while (pos < text.size()) {
      // A backslash at the end of a line joins the next one.
      const std::size_t first = line_no + 1;
      std::string logical;
      while (pos < text.size()) {
        const auto nl = text.find('\n', pos);
        auto raw = text.substr(pos, nl == std::string_view::npos ? text.size() - pos : nl - pos);
        pos = nl == std::string_view::npos ? text.size() : nl + 1;
        ++line_no;
        if (!raw.empty() && raw.back() == '\r') {
          raw.remove_suffix(1);
        }
        if (!raw.empty() && raw.back() == '\\') {
          logical += raw.substr(0, raw.size() - 1);
          continue;
        }
        logical += raw;
        break;
      }
      m_file = file;
      m_line = first;
      parse_line(logical, depth);
    }
    m_stack.pop_back();
  }

private:
  void
  note(std::string message)
  {
    m_out.notes.push_back({m_file, m_line, std::move(message)});
  }

  void
  parse_line(std::string_view text, std::size_t depth)
  {
    Line line(text);
    while (!line.at_line_end()) {
      if (line.at_command_end()) {
        line.skip_separator();
        continue;
      }
      const auto cmd = line.next().text;
      if (cmd == "set" || cmd == "unset" || cmd == "reset" || cmd == "toggle") {
        assignments(line, cmd);
      } else if (cmd == "source") {
        while (!line.at_command_end()) {
          source(line.next(), depth);
        }
      } else {
        if (cmd.size() > 5 && cmd.compare(cmd.size() - 5, 5, "-hook") == 0) {
          note(
            fmt::format("{}: what it sets applies only when the hook matches, and is not "
                        "judged",
                        cmd));
        }
        while (!line.at_command_end()) {
          (void)line.next();
        }
      }
    }
  }

  void
  assignments(Line& line, const std::string& cmd)
  {
    while (!line.at_command_end()) {
      auto name = line.next(true).text;
      std::optional<Token> value;
      if (line.take_equal()) {
        value = line.next();
      }
      std::string op = cmd;
      if (cmd == "set") {
        if (name.rfind("no", 0) == 0 && !value) {
          op = "unset";
          name.erase(0, 2);
        } else if (name.rfind("inv", 0) == 0 && !value) {
          op = "toggle";
          name.erase(0, 3);
        } else if (name.rfind('&', 0) == 0) {
          op = "reset";
          name.erase(0, 1);
        } else if (name.rfind('?', 0) == 0) {
          continue; // a query: changes nothing
        }
      }
      if (name.empty()) {
        continue;
      }
      apply(op, canonical(std::move(name)), value);
    }
  }

  void
  apply(const std::string& op, const std::string& name, const std::optional<Token>& value)
  {
    if (op == "reset") {
      m_out.vars.erase(name);
      return;
    }
    MuttSetting s{"yes", m_file, m_line, false, false};
    if (op == "unset") {
      s.value = "no";
      s.unset = true;
    } else if (op == "toggle") {
      const auto* before = m_out.find(name);
      const auto was = mutt_bool(before);
      if (!was) {
        note(
          fmt::format("inv{0} / toggle {0}: the result depends on Mutt's default; set {0} "
                      "to yes or no",
                      name));
        s.value = "toggled";
      } else {
        s.value = *was ? "no" : "yes";
      }
    } else if (value) {
      s.value = value->text;
      s.from_command = value->from_command;
    }
    m_out.vars[name] = std::move(s);
  }

  void
  source(const Token& arg, std::size_t depth)
  {
    if (arg.from_command || (!arg.text.empty() && arg.text.back() == '|')) {
      note(
        fmt::format("source {}: runs a command, which peermail does not run; what it sets "
                    "is not judged",
                    arg.text));
      return;
    }
    if (!m_read) {
      note(fmt::format("source {}: not followed", arg.text));
      return;
    }
    if (depth + 1 >= k_max_depth) {
      note(fmt::format("source {}: not followed (more than {} files deep)", arg.text, k_max_depth));
      return;
    }
    auto src = m_read(arg.text, m_file);
    if (!src) {
      note(fmt::format("source {}: not followed: {}", arg.text, src.error().message));
      return;
    }
    if (std::find(m_stack.begin(), m_stack.end(), src->path) != m_stack.end()) {
      note(fmt::format(
        "source {}: a loop ({} sources itself): not followed again", arg.text, src->path));
      return;
    }
    const auto file = m_file;
    const auto line = m_line;
    parse(src->text, src->path, depth + 1);
    m_file = file;
    m_line = line;
  }

  MuttFile& m_out;
  const MuttReader& m_read;
  std::vector<std::string> m_stack; // the files being read, outermost first
  std::string m_file;
  std::size_t m_line = 0;
};

} // namespace

const MuttSetting*
MuttFile::find(std::string_view name) const
{
  const auto it = vars.find(std::string(name));
  return it == vars.end() ? nullptr : &it->second;
}

std::optional<bool>
mutt_bool(const MuttSetting* s)
{
  if (s == nullptr || s->from_command) {
    return std::nullopt;
  }
  if (s->value == "yes") {
    return true;
  }
  if (s->value == "no") {
    return false;
  }
  return std::nullopt;
}

MuttFile
parse_muttrc(std::string_view text, const std::string& path, const MuttReader& read)
{
  MuttFile out;
  Parser p(out, read);
  p.parse(text, path, 0);
  return out;
}

} // namespace peermail::foreign
