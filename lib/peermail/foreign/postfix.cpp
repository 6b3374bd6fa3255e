// SPDX-License-Identifier: GPL-3.0-or-later
#include "postfix.hpp"

#include "postfix_syntax.hpp"

#include <peermail/util/strings.hpp>

#include <fmt/core.h>

#include <utility>

namespace peermail::foreign {

namespace {

using postfix_syntax::fields;
using postfix_syntax::is_name_char;
using postfix_syntax::is_space;
using postfix_syntax::logical_lines;
using postfix_syntax::split_assignment;
using util::trim;

// Parse one master.cf entry (a logical line); false if it is not one.
bool
parse_service(const std::string& text,
              const std::string& path,
              std::size_t line,
              PostfixService& s,
              std::vector<PostfixNote>& notes)
{
  const auto f = fields(text);
  if (f.size() < 8) {
    return false;
  }
  s.name = f[0];
  s.type = f[1];
  s.command = f[7];
  s.file = path;
  s.line = line;
  for (std::size_t i = 8; i < f.size(); ++i) {
    std::string assignment;
    if (f[i] == "-o" && i + 1 < f.size()) {
      assignment = f[++i];
    } else if (f[i].rfind("-o", 0) == 0 && f[i].size() > 2) {
      assignment = f[i].substr(2);
    } else {
      continue; // other daemon arguments (-v, flags=, argv=, …)
    }
    std::string name;
    std::string value;
    if (split_assignment(assignment, name, value)) {
      s.overrides[name] = PostfixParam{value, path, line};
    } else {
      notes.push_back(
        {path, line, fmt::format("{}: -o {}: not `name=value`: not judged", s.name, assignment)});
    }
  }
  return true;
}

std::vector<PostfixService>
parse_services(std::string_view text, const std::string& path, std::vector<PostfixNote>& notes)
{
  std::vector<PostfixService> out;
  for (const auto& l : logical_lines(text)) {
    PostfixService s;
    if (parse_service(l.text, path, l.line, s, notes)) {
      out.push_back(std::move(s));
    } else {
      notes.push_back(
        {path,
         l.line,
         fmt::format("not a service entry (fewer than 8 fields: \"{}\"): not judged", l.text)});
    }
  }
  return out;
}

// True when `line` holds `name=` or `name =` with `name` a whole word.
bool
assigns(std::string_view line, std::string_view name)
{
  for (auto at = line.find(name); at != std::string_view::npos; at = line.find(name, at + 1)) {
    if (at > 0 && is_name_char(line[at - 1])) {
      continue;
    }
    auto rest = line.substr(at + name.size());
    while (!rest.empty() && (rest.front() == ' ' || rest.front() == '\t')) {
      rest.remove_prefix(1);
    }
    if (!rest.empty() && rest.front() == '=') {
      return true;
    }
  }
  return false;
}

// The `-o` lines of a continued master.cf entry: each override's own line.
void
locate_overrides(std::string_view text, std::vector<PostfixService>& services)
{
  std::vector<std::string_view> lines;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    const auto nl = text.find('\n', pos);
    lines.push_back(text.substr(pos, nl == std::string_view::npos ? text.size() - pos : nl - pos));
    if (nl == std::string_view::npos) {
      break;
    }
    pos = nl + 1;
  }
  for (std::size_t i = 0; i < services.size(); ++i) {
    const std::size_t end = i + 1 < services.size() && services[i + 1].file == services[i].file
                              ? services[i + 1].line - 1
                              : lines.size();
    for (auto& [name, p] : services[i].overrides) {
      // The last line that assigns `name` is the one that wins.
      for (std::size_t l = services[i].line; l >= 1 && l <= end; ++l) {
        const auto content = trim(lines[l - 1]);
        if (!content.empty() && content.front() != '#' && assigns(content, name)) {
          p.line = l;
        }
      }
    }
  }
}

// True when `a` and `b` hold the same words (postconf folds blanks).
bool
same_words(std::string_view a, std::string_view b)
{
  const auto words = [](std::string_view s) {
    std::vector<std::string_view> out;
    std::size_t i = 0;
    while (i < s.size()) {
      while (i < s.size() && is_space(s[i])) {
        ++i;
      }
      const auto start = i;
      while (i < s.size() && !is_space(s[i])) {
        ++i;
      }
      if (i > start) {
        out.push_back(s.substr(start, i - start));
      }
    }
    return out;
  };
  return words(a) == words(b);
}

} // namespace

std::string
PostfixService::port() const
{
  const auto colon = name.rfind(':');
  return colon == std::string::npos ? name : name.substr(colon + 1);
}

void
parse_main_cf(std::string_view text, const std::string& path, PostfixConfig& out)
{
  for (const auto& l : logical_lines(text)) {
    std::string name;
    std::string value;
    if (split_assignment(l.text, name, value)) {
      out.main[name] = PostfixParam{value, path, l.line};
    } else {
      out.notes.push_back(
        {path, l.line, fmt::format("not a `name = value` line (\"{}\"): not judged", l.text)});
    }
  }
}

void
parse_master_cf(std::string_view text, const std::string& path, PostfixConfig& out)
{
  auto services = parse_services(text, path, out.notes);
  locate_overrides(text, services);
  for (auto& s : services) {
    out.services.push_back(std::move(s));
  }
}

void
apply_postconf_n(std::string_view text, PostfixConfig& out)
{
  std::map<std::string, PostfixParam> main;
  for (const auto& l : logical_lines(text)) {
    std::string name;
    std::string value;
    if (!split_assignment(l.text, name, value)) {
      continue;
    }
    PostfixParam p{value, "", 0};
    const auto it = out.main.find(name);
    if (it != out.main.end() && same_words(it->second.value, value)) {
      p.file = it->second.file;
      p.line = it->second.line;
    } else if (it != out.main.end()) {
      // Never cite a line for a value it does not hold; the values stay
      // out of the note (they may be secrets).
      out.notes.push_back(
        {it->second.file,
         it->second.line,
         fmt::format("postconf -n gives {} another value than this line: postconf's value is "
                     "judged",
                     name)});
    }
    main[name] = std::move(p);
  }
  out.main = std::move(main);
}

void
apply_postconf_d(std::string_view text, PostfixConfig& out)
{
  std::map<std::string, std::string> defaults;
  for (const auto& l : logical_lines(text)) {
    std::string name;
    std::string value;
    if (split_assignment(l.text, name, value)) {
      defaults[name] = value;
    }
  }
  out.defaults = std::move(defaults);
  out.defaults_source = "postconf -d";
}

void
apply_postconf_m(std::string_view text, PostfixConfig& out)
{
  std::vector<PostfixNote> ignored; // postconf printed it: it is well formed
  auto services = parse_services(text, "", ignored);
  for (auto& s : services) {
    s.line = 0;
    const PostfixService* in_file = nullptr;
    for (const auto& f : out.services) {
      if (f.name == s.name && f.type == s.type) {
        in_file = &f;
      }
    }
    for (auto& [name, p] : s.overrides) {
      p.file.clear();
      p.line = 0;
      if (in_file != nullptr) {
        const auto it = in_file->overrides.find(name);
        if (it != in_file->overrides.end() && same_words(it->second.value, p.value)) {
          p.file = it->second.file;
          p.line = it->second.line;
        } else if (it != in_file->overrides.end()) {
          out.notes.push_back(
            {it->second.file,
             it->second.line,
             fmt::format("postconf -M gives {} {} -o {} another value than this line: "
                         "postconf's value is judged",
                         s.name,
                         s.type,
                         name)});
        }
      }
    }
    if (in_file != nullptr) {
      s.file = in_file->file;
      s.line = in_file->line;
    } else {
      s.file.clear();
    }
  }
  out.services = std::move(services);
}

} // namespace peermail::foreign
