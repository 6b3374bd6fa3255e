// SPDX-License-Identifier: GPL-3.0-or-later
// `peermail verify [--decrypt] [-o FILE] [FILE|-]`: the verdict of docs/DESIGN.md
// §6 and the facts behind it. Needs only a GnuPG home, no config.
#include "app.hpp"
#include "exit_codes.hpp"
#include "message_input.hpp"
#include "output.hpp"

#include <peermail/util/fs.hpp>
#include <peermail/util/strings.hpp>
#include <peermail/verify/verify.hpp>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include <ctime>
#include <memory>

namespace peermail::cli {

namespace {

struct VerifyOptions
{
  bool decrypt = false;
  std::size_t max_plaintext = verify::Verifier::k_max_plaintext;
  std::string output;
  std::string input = "-";
};

std::string
rfc3339(std::int64_t t)
{
  if (t <= 0) {
    return "";
  }
  std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  ::gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string
join(const std::vector<std::string>& v)
{
  std::string out;
  for (const auto& s : v) {
    out += out.empty() ? s : ", " + s;
  }
  return out;
}

// The user ID shown for a signature: the one for the From address, else the first.
const crypto::SignatureFacts::Uid*
shown_uid(const crypto::SignatureFacts& s, const std::vector<std::string>& from)
{
  for (const auto& u : s.uids) {
    if (from.size() == 1 && u.address == from.front()) {
      return &u;
    }
  }
  return s.uids.empty() ? nullptr : &s.uids.front();
}

std::string
render_json(const verify::VerifyReport& r)
{
  nlohmann::json sigs = nlohmann::json::array();
  for (const auto& s : r.signatures) {
    const auto* u = shown_uid(s, r.from);
    sigs.push_back({
      {"fingerprint", s.fingerprint                                   },
      {"uid",         u != nullptr ? u->uid : ""                      },
      {"email",       u != nullptr ? u->address : ""                  },
      {"status",      std::string(crypto::to_string(s.status))        },
      {"validity",    std::string(crypto::validity_string(s.validity))},
      {"hash_algo",   crypto::hash_name(s.hash_algo)                  },
      {"created",     rfc3339(s.created)                              }
    });
  }
  nlohmann::json j = {
    {"verdict",             std::string(to_string(r.verdict))},
    {"reason",              r.failure                        },
    {"fix",                 r.fix                            },
    {"protocol",            r.protocol                       },
    {"unsigned_headers",    r.unsigned_headers               },
    {"encrypted",           r.encrypted                      },
    {"decrypted",           r.decrypted                      },
    {"integrity_protected", r.integrity_protected            },
    {"signatures",          sigs                             },
    {"from",                join(r.from)                     },
    {"from_matches_signer", r.from_matches_signer            },
    {"fully_covered",       r.fully_covered                  },
    {"protected_headers",   r.protected_headers              },
    {"warnings",            r.warnings                       }
  };
  return json_text(j) + "\n";
}

// Every text that came from the message or a key goes through
// util::terminal_safe: a From with escape sequences must not draw a fake
// "verdict: valid" on the reader's terminal.
std::string
render_text(const verify::VerifyReport& r)
{
  std::string out = fmt::format("verdict: {}\n", to_string(r.verdict));
  if (!r.failure.empty()) {
    out += fmt::format("reason: {}\n", util::terminal_safe(r.failure));
  }
  if (!r.fix.empty()) {
    out += fmt::format("fix: {}\n", util::terminal_safe(r.fix));
  }
  if (r.encrypted) {
    out += fmt::format("encrypted: yes; decrypted: {}; integrity protected: {}\n",
                       r.decrypted ? "yes" : "no",
                       r.integrity_protected ? "yes" : "no");
  } else {
    out += "encrypted: no\n";
  }
  if (r.signatures.empty()) {
    out += "signatures: none\n";
  }
  for (const auto& s : r.signatures) {
    const auto* u = shown_uid(s, r.from);
    out += fmt::format("signature: {} by {} ({}), key validity {}, {}, made {}\n",
                       crypto::to_string(s.status),
                       util::terminal_safe(s.fingerprint),
                       u != nullptr ? util::terminal_safe(u->uid) : "unknown key",
                       crypto::validity_string(s.validity),
                       crypto::hash_name(s.hash_algo),
                       rfc3339(s.created));
  }
  out += fmt::format("from: {} ({})\n",
                     r.from.empty() ? "(none)" : util::terminal_safe(join(r.from)),
                     r.from_matches_signer ? "matches the signer" : "does not match a signer");
  out += fmt::format("coverage: {}\n",
                     r.fully_covered ? "the signature covers the whole message"
                                     : "not everything a reader sees is signed");
  out += fmt::format("protected headers: {}\n", r.protected_headers ? "yes" : "no");
  if (!r.unsigned_headers.empty()) {
    out += fmt::format("unsigned headers: {}\n", join(r.unsigned_headers));
  }
  for (const auto& w : r.warnings) {
    out += fmt::format("warning: {}\n", util::terminal_safe(w));
  }
  return out;
}

int
run_verify(const VerifyOptions& o, const GlobalOptions& g)
{
  const bool decrypt = o.decrypt || !o.output.empty();
  auto message = read_message_input(o.input);
  if (!message) {
    return print_error(message.error());
  }
  auto verifier = verify::Verifier::create(g.gnupg_home_dir(), o.max_plaintext);
  if (!verifier) {
    return print_error(verifier.error());
  }
  auto report = (*verifier)->verify(*message);
  if (!report) {
    return print_error(report.error());
  }
  const std::string rendered = g.json ? render_json(*report) : render_text(*report);
  // With --decrypt and no -o the plaintext goes to stdout, the report to stderr.
  const bool plaintext_to_stdout = decrypt && o.output.empty();
  if (plaintext_to_stdout) {
    std::fputs(rendered.c_str(), stderr);
  } else if (auto w = write_stdout(rendered); !w) {
    return print_error(w.error());
  }
  if (decrypt) {
    if (report->decrypted_message.empty()) {
      print_note(report->encrypted ? "no plaintext written: the message was not decrypted intact"
                                   : "no plaintext written: the message is not encrypted");
    } else if (!o.output.empty()) {
      if (auto w = write_output(o.output, report->decrypted_message); !w) {
        return print_error(w.error());
      }
    } else if (auto w = write_stdout(report->decrypted_message); !w) {
      return print_error(w.error());
    }
  }
  return report->verdict == verify::Verdict::valid ? k_ok : k_negative;
}

} // namespace

void
register_verify(CLI::App& sub, const GlobalOptions& g, int* exit_code)
{
  auto opts = std::make_shared<VerifyOptions>();
  sub.add_flag("--decrypt",
               opts->decrypt,
               "also write the decrypted message (to -o FILE, else stdout with the report on "
               "stderr); never on a decryption or integrity failure");
  sub.add_option("-o,--output", opts->output, "write the decrypted message to FILE (mode 0600)");
  sub
    .add_option("--max-plaintext",
                opts->max_plaintext,
                "refuse decrypted content larger than BYTES (default 67108864, 64 MiB)")
    ->check(CLI::PositiveNumber);
  sub.add_option("file", opts->input, "message to verify (- or omitted: stdin)");
  sub.callback([opts, &g, exit_code] { *exit_code = run_verify(*opts, g); });
}

} // namespace peermail::cli
