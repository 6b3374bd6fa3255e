// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// The judge behind judge_postfix() (postfix_rules.hpp), shared by the files
// that hold its rules: postfix_judge.cpp (scopes, citations, `postconf`
// fixes, values), postfix_tls_params.cpp (protocols and cipher grades),
// postfix_client_rules.cpp (relayhost and next hops), postfix_server_rules.cpp
// (submission and submissions services), postfix_auth_rules.cpp (SASL login
// and password tables) and postfix_files_rules.cpp (permissions and logging).
// Internal to the library: nothing outside these files includes it.

#include <peermail/foreign/postfix.hpp>
#include <peermail/policy/board.hpp>
#include <peermail/policy/postfix_rules.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace peermail::policy::postfix {

using foreign::PostfixConfig;
using foreign::PostfixService;

// The trust anchors the fixes name.
inline constexpr std::string_view k_ca_file = "/etc/ssl/certs/ca-certificates.crt";

// True for the levels at which the Postfix SMTP client defers mail rather
// than send it without TLS (postconf(5) smtp_tls_security_level) `level`.
bool tls_required(std::string_view level);

// True when `level` is a smtp_tls_security_level this reader knows.
bool known_level(std::string_view level);

class Judge
{
public:
  // Judge `c` read from the files `f` (both outlive the judge).
  Judge(const PostfixConfig& c, const PostfixFiles& f);

  // --- the checklist items, each adding its findings to `b` ---

  // The SMTP client: TLS to the relayhost and the next hops.
  void client(Board& b) const;
  // The SMTP server: submission (587), submissions (465) and port 25's AUTH.
  void servers(Board& b) const;
  // The SMTP client's SASL login and where its passwords are kept.
  void client_auth(Board& b) const;
  // The configuration files' and password tables' owner and mode.
  void files(Board& b) const;
  // Logging (AUD-04, AUD-02) and end-to-end encryption (E2E-01).
  void logging(Board& b) const;

private:
  // Who uses the protocols setting judged (the checklist asks more of a client).
  enum class Side { client_required, client_opportunistic, server };

  // --- postfix_judge.cpp: scopes, citations, fixes, values ---

  // The scope of `name`: `svc` if given, else the smtp transport when it
  // overrides `name`, else main.cf (null).
  const PostfixService* scope(std::string_view name, const PostfixService* svc) const;
  // "pf/main.cf:12: smtp_tls_security_level = may" for `name` in `scope_svc`.
  std::string cite(std::string_view name, const PostfixService* scope_svc = nullptr) const;
  // " (VALUE)" when the value of `name` in `svc` refers to others and expands.
  std::string expanded(std::string_view name, const PostfixService* svc) const;
  // "pf/main.cf:7: smtp_sasl_password_maps" (no value) for `name`.
  std::string cite_name(std::string_view name) const;
  // "pf/master.cf:4: submission inet smtpd" for the service `s`.
  std::string service_cite(const PostfixService& s) const;
  // `postconf -e` (or `-P` for the smtp transport) setting `assignments`.
  std::string set(std::string_view assignments) const;
  // `postconf -P 'service/type/name=value'` for `name` = `value` in `s`.
  std::string set_in(const PostfixService& s, std::string_view name, std::string_view value) const;
  // The expanded value of `name` in `svc`; nothing when it cannot be expanded.
  std::optional<std::string> value(std::string_view name,
                                   const PostfixService* svc = nullptr) const;
  // "CITATION: not judged: WHY" for a `name` that cannot be expanded.
  std::string problem(std::string_view name, const PostfixService* svc = nullptr) const;
  // The client's (`prefix` smtp) or a server's (smtpd, in `svc`) TLS level.
  std::optional<std::string> level(std::string_view prefix,
                                   const PostfixService* svc = nullptr) const;
  // "FILE:LINE" or FILE for `file` and `line`, or `fallback` when postconf named it.
  static std::string where(const std::string& file, std::size_t line, std::string_view fallback);
  // Where main.cf sets `name`, or main.cf itself.
  std::string where_main(std::string_view name) const;

  // --- postfix_tls_params.cpp ---

  // TLS-02 for the protocols parameter `name` in `svc`, used on `side`.
  void protocols(Board& b,
                 std::string_view name,
                 const PostfixService* svc,
                 Side side,
                 const std::string& fix) const;
  // TLS-03 for the cipher grade parameter `name` in `svc`.
  void
  ciphers(Board& b, std::string_view name, const PostfixService* svc, const std::string& fix) const;

  // --- postfix_client_rules.cpp ---

  // TLS-01 for the relayhost `relay` at client level `lvl`.
  void relayhost(Board& b,
                 const std::string& lvl,
                 const std::string& relay,
                 const std::string& lvl_cite,
                 const std::string& secure_fix) const;
  // TLS-04 and TLS-05 for the relayhost `host`.
  void certificate(Board& b,
                   const std::string& lvl,
                   const std::string& relay,
                   bool bracketed,
                   const std::string& host,
                   const std::string& lvl_cite,
                   const std::string& secure_fix) const;
  // Item `id` for DANE, which only works with DNSSEC lookups.
  void dnssec(Board& b, const char* id, const std::string& lvl_cite) const;
  // TLS-10: the hops after this Postfix.
  void next_hops(Board& b,
                 const std::string& lvl,
                 const std::string& relay,
                 const std::string& lvl_cite) const;

  // --- postfix_server_rules.cpp ---

  // TLS-01, TLS-02, TLS-03, AUTH-02 for the submission service `s`
  // (`implicit`: submissions, port 465).
  void submission(Board& b, const PostfixService& s, bool implicit) const;
  // TLS-02 and TLS-03 for the service `s` (`mandatory`: level encrypt).
  void server_tls(Board& b, const PostfixService& s, bool mandatory) const;
  // AUTH-02 for the submission service `s`.
  void submission_auth(
    Board& b, const PostfixService& s, bool implicit, bool wrapper, bool mandatory) const;
  // AUTH-02 for port 25's service `s`: only a login offered before TLS.
  void mx_auth(Board& b, const PostfixService& s) const;

  // --- postfix_files_rules.cpp ---

  // AUTH-05 for the file `f`: no `forbidden` mode bits, owned by root.
  static void file(Board& b,
                   const ForeignFileFacts& f,
                   unsigned forbidden,
                   std::string_view why,
                   std::string_view chmod);

  const PostfixConfig& m_c;
  const PostfixFiles& m_f;
  const PostfixService* m_client = nullptr; // master.cf's smtp transport, if any
};

} // namespace peermail::policy::postfix
