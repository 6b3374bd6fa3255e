// SPDX-License-Identifier: GPL-3.0-or-later
#include "peer_pin.hpp"

#include <peermail/util/fingerprint.hpp>
#include <peermail/util/fs.hpp>
#include <peermail/util/strings.hpp>

#include <fmt/core.h>
#include <toml++/toml.h>

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

namespace peermail::config {

namespace {

constexpr std::uint64_t k_max_config_bytes = 1ULL << 20;

// Refuse anything but a regular file of ours that others cannot read or write
// (a symbolic link too: the pin goes into the file named).
Result<void>
check_file(const std::string& path, const struct stat& lst)
{
  if (S_ISLNK(lst.st_mode)) {
    return fail(
      Errc::permissions,
      fmt::format("config {} is a symbolic link: keys pin writes only the file named", path),
      "AUTH-05",
      "give --config the file the link points to (readlink -f)");
  }
  if (!S_ISREG(lst.st_mode)) {
    return fail(Errc::permissions, fmt::format("config {} is not a regular file", path), "AUTH-05");
  }
  // The one rule for private files (msmtp's): ours, nobody else may read or
  // write it, in a directory others cannot replace it in.
  return util::judge_private_file(path, lst, util::Secrecy::secret, "AUTH-05");
}

// The 1-based lines [first, last] of each [[peer]] entry for `address`, and
// the fingerprints they pin.
struct Entry
{
  std::size_t first = 0;
  std::size_t last = 0;
  std::string fingerprint;
  PeerProtocol protocol = PeerProtocol::openpgp;
};

Result<std::vector<Entry>>
entries_for(const std::string& text,
            const std::vector<std::string>& lines,
            const std::string& path,
            const std::string& address)
{
  toml::table root;
  try {
    root = toml::parse(text, path);
  } catch (const toml::parse_error& e) {
    return fail(Errc::config, fmt::format("{}: {}", path, e.description()));
  }
  std::vector<Entry> out;
  const auto* peers = root["peer"].as_array();
  if (peers == nullptr) {
    return out;
  }
  for (const auto& node : *peers) {
    const auto* t = node.as_table();
    if (t == nullptr) {
      continue;
    }
    const auto addr =
      t->get("address") != nullptr ? t->get("address")->value<std::string>() : std::nullopt;
    if (!addr || util::to_lower(*addr) != address) {
      continue;
    }
    Entry e;
    e.first = t->source().begin.line;
    const auto fpr =
      t->get("fingerprint") != nullptr ? t->get("fingerprint")->value<std::string>() : std::nullopt;
    e.fingerprint = fpr ? util::normalize_fingerprint(*fpr) : std::string();
    const auto proto =
      t->get("protocol") != nullptr ? t->get("protocol")->value<std::string>() : std::nullopt;
    e.protocol =
      proto && util::to_lower(*proto) == "smime" ? PeerProtocol::smime : PeerProtocol::openpgp;
    if (e.first == 0 || e.first > lines.size()
        || util::trim(lines[e.first - 1]).rfind("[[peer]]", 0) != 0) {
      return fail(Errc::usage,
                  fmt::format("{}: the [[peer]] entry for {} is not written as a [[peer]] table "
                              "that keys pin can replace",
                              path,
                              address),
                  "",
                  "edit the entry by hand");
    }
    // The entry ends before the next table header, or at the end.
    e.last = e.first;
    while (e.last < lines.size() && util::trim(lines[e.last]).rfind('[', 0) != 0) {
      ++e.last;
    }
    out.push_back(std::move(e));
  }
  return out;
}

} // namespace

Result<PinOutcome>
pin_peer(const std::string& path,
         const std::string& address,
         const std::string& fingerprint,
         ExistingPin existing,
         const LoadOptions& opts,
         PeerProtocol protocol)
{
  PEERMAIL_TRY_ASSIGN(const std::string fpr, util::full_fingerprint(fingerprint));
  if (address.find_first_of("\"\\") != std::string::npos || util::has_line_break_or_nul(address)) {
    return fail(Errc::usage, "ADDR cannot be written into the config");
  }
  struct stat lst
  {
  };
  if (::lstat(path.c_str(), &lst) != 0) {
    return fail(errno == ENOENT ? Errc::no_input : Errc::io,
                fmt::format("config {}: {}", path, std::strerror(errno)),
                "",
                "create one with `peermail init`");
  }
  PEERMAIL_TRY(check_file(path, lst));
  PEERMAIL_TRY_ASSIGN(auto file, util::read_file_with_stat(path, k_max_config_bytes));
  if (file.st.st_ino != lst.st_ino || file.st.st_dev != lst.st_dev) {
    return fail(Errc::permissions, fmt::format("config {} changed while it was read", path));
  }
  PEERMAIL_TRY(check_file(path, file.st));

  auto lines = util::split(file.text, '\n');
  if (!lines.empty() && lines.back().empty()) {
    lines.pop_back();
  }
  PEERMAIL_TRY_ASSIGN(auto entries, entries_for(file.text, lines, path, address));
  PinOutcome outcome;
  if (!entries.empty()) {
    outcome.previous = entries.front().fingerprint;
    outcome.previous_protocol = entries.front().protocol;
    if (entries.size() == 1 && outcome.previous == fpr && outcome.previous_protocol == protocol) {
      return outcome; // already pinned to exactly this key
    }
    if (existing == ExistingPin::refuse) {
      return fail(Errc::usage,
                  fmt::format("{} is already pinned to {}{} in {}",
                              address,
                              outcome.previous,
                              outcome.previous_protocol == protocol ? ""
                              : outcome.previous_protocol == PeerProtocol::smime
                                ? " (an S/MIME certificate)"
                                : " (an OpenPGP key)",
                              path),
                  "E2E-04",
                  fmt::format("if {} really has a new key (verified out of band), run `peermail "
                              "keys pin --replace {}{} {}`",
                              address,
                              protocol == PeerProtocol::smime ? "--smime " : "",
                              address,
                              fpr));
    }
  }
  std::string text;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const std::size_t line = i + 1;
    const bool removed = std::any_of(entries.begin(), entries.end(), [line](const Entry& e) {
      return line >= e.first && line <= e.last;
    });
    if (!removed) {
      text.append(lines[i]).append("\n");
    }
  }
  if (!text.empty() && text.size() >= 2 && text.compare(text.size() - 2, 2, "\n\n") != 0) {
    text.append("\n");
  }
  text.append(fmt::format("[[peer]]\naddress = \"{}\"\nfingerprint = \"{}\"\n", address, fpr));
  if (protocol == PeerProtocol::smime) {
    text.append("protocol = \"smime\"\n");
  }

  // Validate the result as the config loader will read it.
  PEERMAIL_TRY_ASSIGN(auto check, entries_for(text, util::split(text, '\n'), path, address));
  PEERMAIL_TRY_ASSIGN(auto cfg, parse(text, path, opts));
  const Peer* written = cfg.peer(address);
  if (check.size() != 1 || written == nullptr || written->protocol != protocol
      || util::normalize_fingerprint(written->fingerprint) != fpr) {
    return fail(Errc::internal, fmt::format("{}: the new [[peer]] entry did not read back", path));
  }
  PEERMAIL_TRY(util::write_file_atomic(path, text, 0600));
  outcome.changed = true;
  return outcome;
}

} // namespace peermail::config
