// SPDX-License-Identifier: GPL-3.0-or-later
#include "x509_import.hpp"

#include "cms.hpp"
#include "context.hpp"
#include "x509_context.hpp"
#include "x509_der.hpp"

#include <peermail/util/fs.hpp>
#include <peermail/util/strings.hpp>

#include <fmt/core.h>
#include <gpgme.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pkcs12.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>

extern char** environ;

namespace peermail::crypto {

namespace {

struct Pkcs12Free
{
  void
  operator()(PKCS12* p) const
  {
    PKCS12_free(p);
  }
};
using Pkcs12Ptr = std::unique_ptr<PKCS12, Pkcs12Free>;

struct PkeyFree
{
  void
  operator()(EVP_PKEY* k) const
  {
    EVP_PKEY_free(k);
  }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;

struct StackFree
{
  void
  operator()(STACK_OF(X509) * s) const
  {
    sk_X509_pop_free(s, X509_free);
  }
};
using StackPtr = std::unique_ptr<STACK_OF(X509), StackFree>;

// Parse exactly `der` (nothing may follow) as T.
X509Ptr
whole_x509(std::string_view der)
{
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  X509Ptr x(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  ERR_clear_error();
  if (x && p != reinterpret_cast<const unsigned char*>(der.data()) + der.size()) {
    x.reset();
  }
  return x;
}

Pkcs12Ptr
whole_pkcs12(std::string_view der)
{
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  Pkcs12Ptr x(d2i_PKCS12(nullptr, &p, static_cast<long>(der.size())));
  ERR_clear_error();
  if (x && p != reinterpret_cast<const unsigned char*>(der.data()) + der.size()) {
    x.reset();
  }
  return x;
}

std::string
digest_hex(X509* x, const EVP_MD* md)
{
  unsigned char buf[EVP_MAX_MD_SIZE];
  unsigned n = 0;
  if (X509_digest(x, md, buf, &n) != 1) {
    return {};
  }
  std::string out;
  for (unsigned i = 0; i < n; ++i) {
    out += fmt::format("{:02X}", buf[i]);
  }
  return out;
}

std::string
name_of(const X509_NAME* name)
{
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
  if (!bio || X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253) < 0) {
    return {};
  }
  char* p = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &p);
  return n > 0 ? std::string(p, static_cast<std::size_t>(n)) : std::string();
}

std::string
date_of(const ASN1_TIME* t)
{
  struct tm tm
  {
  };
  if (t == nullptr || ASN1_TIME_to_tm(t, &tm) != 1) {
    return "?";
  }
  return fmt::format("{:04}-{:02}-{:02}", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

// What a file that is no key file looked like, without its content.
std::string
looked_like(std::string_view data)
{
  if (data.empty()) {
    return "an empty file";
  }
  if (static_cast<unsigned char>(data[0]) == 0x30) {
    return "DER (ASN.1) data that is neither an X.509 certificate nor PKCS #12";
  }
  if (const auto b = data.find("-----BEGIN "); b != std::string_view::npos) {
    const auto e = data.find("-----", b + 11);
    if (e != std::string_view::npos && e - b - 11 <= 40) {
      return fmt::format("a PEM block of another kind ({})",
                         util::terminal_safe(std::string(data.substr(b, e + 5 - b))));
    }
  }
  const bool text = std::all_of(data.begin(), data.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u >= 0x20 || c == '\n' || c == '\r' || c == '\t' || u >= 0x80;
  });
  return text ? "text without OpenPGP armor or a PEM CERTIFICATE block"
              : "binary data that is neither OpenPGP, a DER X.509 certificate nor PKCS #12";
}

// Write all of `data` to `fd`; false on an error (EPIPE: gpgsm stopped).
bool
write_all(int fd, std::string_view data)
{
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      return false;
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

// What one gpgsm run said and how it ended.
struct GpgsmRun
{
  int status = -1;    // exit status; -1: killed or not run
  std::string output; // stdout (status lines) and stderr, at most 64 KiB
};

// Run `gpgsm --batch --pinentry-mode loopback --passphrase-fd 3 --status-fd 1
// --import` (GPGME's gpgsm engine has no loopback pinentry): the PKCS #12 on
// stdin, the passphrase on fd 3, killed after 120 s.
Result<GpgsmRun>
run_gpgsm_import(const std::string& gnupg_home, std::string_view p12, const Secret& passphrase)
{
  gpgme_engine_info_t info = nullptr;
  if (gpgme_get_engine_info(&info) != 0) {
    return fail(Errc::unavailable, "gpgsm is not installed");
  }
  std::string program;
  for (; info != nullptr; info = info->next) {
    if (info->protocol == GPGME_PROTOCOL_CMS && info->file_name != nullptr) {
      program = info->file_name;
    }
  }
  if (program.empty()) {
    return fail(Errc::unavailable, "gpgsm is not installed", "", "install gpgsm (GnuPG)");
  }
  std::vector<std::string> args = {program,
                                   "--batch",
                                   "--no-tty",
                                   "--pinentry-mode",
                                   "loopback",
                                   "--passphrase-fd",
                                   "3",
                                   "--status-fd",
                                   "1",
                                   "--import"};
  if (!gnupg_home.empty()) {
    args.insert(args.begin() + 1, {"--homedir", gnupg_home});
  }
  int in[2] = {-1, -1};
  int pass[2] = {-1, -1};
  int out[2] = {-1, -1};
  if (::pipe2(in, O_CLOEXEC) != 0 || ::pipe2(pass, O_CLOEXEC) != 0
      || ::pipe2(out, O_CLOEXEC) != 0) {
    for (int fd : {in[0], in[1], pass[0], pass[1], out[0], out[1]}) {
      if (fd >= 0) {
        ::close(fd);
      }
    }
    return fail(Errc::io, fmt::format("cannot run gpgsm: {}", std::strerror(errno)));
  }
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, in[0], 0);
  posix_spawn_file_actions_adddup2(&fa, out[1], 1);
  posix_spawn_file_actions_adddup2(&fa, out[1], 2);
  posix_spawn_file_actions_adddup2(&fa, pass[0], 3);
  std::vector<char*> argv;
  for (auto& a : args) {
    argv.push_back(a.data());
  }
  argv.push_back(nullptr);
  pid_t pid = -1;
  const int rc = ::posix_spawn(&pid, program.c_str(), &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  ::close(in[0]);
  ::close(pass[0]);
  ::close(out[1]);
  if (rc != 0) {
    ::close(in[1]);
    ::close(pass[1]);
    ::close(out[0]);
    return fail(Errc::unavailable, fmt::format("cannot run gpgsm: {}", std::strerror(rc)));
  }
  // The passphrase fits the pipe; gpgsm reads the whole file before it asks.
  struct sigaction ignore
  {
  };
  struct sigaction old
  {
  };
  ignore.sa_handler = SIG_IGN;
  ::sigaction(SIGPIPE, &ignore, &old);
  write_all(pass[1], passphrase.value());
  write_all(pass[1], "\n");
  ::close(pass[1]);
  write_all(in[1], p12);
  ::close(in[1]);
  ::sigaction(SIGPIPE, &old, nullptr);
  GpgsmRun run;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  char buf[4096];
  for (;;) {
    struct pollfd p
    {
      out[0], POLLIN, 0
    };
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      ::kill(pid, SIGKILL);
      break;
    }
    const int r = ::poll(&p, 1, static_cast<int>(left.count()));
    if (r < 0 && errno == EINTR) {
      continue;
    }
    if (r <= 0) {
      continue; // the deadline is checked above
    }
    const ssize_t n = ::read(out[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      break;
    }
    if (run.output.size() < (64U << 10)) {
      run.output.append(buf, static_cast<std::size_t>(n));
    }
  }
  ::close(out[0]);
  int ws = 0;
  while (::waitpid(pid, &ws, 0) < 0 && errno == EINTR) {
  }
  run.status = WIFEXITED(ws) ? WEXITSTATUS(ws) : -1;
  return run;
}

} // namespace

std::string_view
to_string(KeyFileKind kind)
{
  switch (kind) {
  case KeyFileKind::openpgp:
    return "OpenPGP";
  case KeyFileKind::pem_certificates:
    return "PEM certificates";
  case KeyFileKind::der_certificate:
    return "DER certificate";
  case KeyFileKind::pkcs12:
    return "PKCS #12";
  case KeyFileKind::unknown:
    break;
  }
  return "unknown";
}

KeyFileGuess
detect_key_file(std::string_view data)
{
  KeyFileGuess g;
  const auto pgp = data.find("-----BEGIN PGP ");
  const auto cert = std::min(data.find("-----BEGIN CERTIFICATE-----"),
                             data.find("-----BEGIN X509 CERTIFICATE-----"));
  if (pgp != std::string_view::npos || cert != std::string_view::npos) {
    g.kind = pgp < cert ? KeyFileKind::openpgp : KeyFileKind::pem_certificates;
    return g;
  }
  if (!data.empty() && static_cast<unsigned char>(data[0]) == 0x30) {
    if (whole_x509(data)) {
      g.kind = KeyFileKind::der_certificate;
      return g;
    }
    if (whole_pkcs12(data)) {
      g.kind = KeyFileKind::pkcs12;
      return g;
    }
  } else if (!data.empty() && (static_cast<unsigned char>(data[0]) & 0x80) != 0) {
    g.kind = KeyFileKind::openpgp; // an OpenPGP packet header; gpg judges the rest
    return g;
  }
  g.looked_like = looked_like(data);
  return g;
}

Result<X509Summary>
describe_certificate(std::string_view der)
{
  X509Ptr x = whole_x509(der);
  if (!x) {
    return fail(Errc::data, "a certificate does not parse");
  }
  PEERMAIL_TRY_ASSIGN(auto facts, cert_facts(der));
  X509Summary s;
  s.sha1 = digest_hex(x.get(), EVP_sha1());
  s.sha256 = digest_hex(x.get(), EVP_sha256());
  s.subject = name_of(X509_get_subject_name(x.get()));
  s.issuer = name_of(X509_get_issuer_name(x.get()));
  s.not_before = date_of(X509_get0_notBefore(x.get()));
  s.not_after = date_of(X509_get0_notAfter(x.get()));
  s.expired = X509_cmp_current_time(X509_get0_notAfter(x.get())) < 0;
  s.ca = (X509_get_extension_flags(x.get()) & EXFLAG_CA) != 0;
  s.addresses = cert_addresses(facts);
  // cert_facts judges a certificate for signing mail; a CA's is not.
  s.usage_problem = s.ca ? std::string() : facts.usage_problem;
  s.weak_key = facts.weak_key;
  s.der = std::string(der);
  return s;
}

Result<std::vector<std::string>>
pem_certificates(std::string_view text)
{
  auto certs = parse_anchor_bundle(text);
  if (!certs) {
    return fail(Errc::data,
                "a PEM CERTIFICATE block does not parse (damaged or cut short)",
                "",
                "export the certificate again (PEM or DER)");
  }
  std::vector<std::string> out;
  for (auto& c : *certs) {
    out.push_back(std::move(c.der));
  }
  return out;
}

Result<Pkcs12Contents>
open_pkcs12(std::string_view der, const Secret& passphrase, std::int64_t max_iterations)
{
  Pkcs12Ptr p12 = whole_pkcs12(der);
  if (!p12) {
    return fail(Errc::data, "the PKCS #12 file does not parse");
  }
  const std::string& pw = passphrase.value();
  const auto wrong = [] {
    return fail(Errc::auth,
                "the passphrase does not open the PKCS #12 file (its integrity check fails)",
                "",
                "give the passphrase it was exported with; nothing was imported");
  };
  PEERMAIL_TRY(check_pkcs12_outer_cost(p12.get(), max_iterations));
  if (PKCS12_mac_present(p12.get()) == 1
      && PKCS12_verify_mac(p12.get(), pw.c_str(), static_cast<int>(pw.size())) != 1) {
    ERR_clear_error();
    return wrong();
  }
  const auto cannot_decrypt = [] {
    return fail(Errc::data,
                "the PKCS #12 file cannot be decrypted with the algorithms OpenSSL offers here",
                "",
                "export it again with AES (openssl pkcs12 -export, or the mail client's export)");
  };
  if (auto cost = check_pkcs12_key_cost(p12.get(), pw, max_iterations); !cost) {
    if (cost.error().code != Errc::auth) {
      return unexpected(std::move(cost.error()));
    }
    return PKCS12_mac_present(p12.get()) == 1 ? cannot_decrypt() : wrong();
  }
  EVP_PKEY* pkey_raw = nullptr;
  X509* cert_raw = nullptr;
  STACK_OF(X509)* ca_raw = nullptr;
  const int ok = PKCS12_parse(p12.get(), pw.c_str(), &pkey_raw, &cert_raw, &ca_raw);
  PkeyPtr pkey(pkey_raw);
  X509Ptr cert(cert_raw);
  StackPtr ca(ca_raw);
  if (ok != 1) {
    ERR_clear_error();
    if (PKCS12_mac_present(p12.get()) != 1) {
      return wrong();
    }
    return cannot_decrypt();
  }
  Pkcs12Contents out;
  out.has_key = static_cast<bool>(pkey);
  if (cert) {
    out.certs.push_back(der_of(cert.get()));
  }
  for (int i = 0; ca && i < sk_X509_num(ca.get()); ++i) {
    out.certs.push_back(der_of(sk_X509_value(ca.get(), i)));
  }
  if (out.certs.empty()) {
    return fail(Errc::data, "the PKCS #12 file holds no certificate");
  }
  if (!pkey) {
    return out;
  }
  if (!cert) {
    return fail(Errc::data,
                "the PKCS #12 file's key belongs to none of its certificates; nothing was "
                "imported",
                "",
                "export the key together with its own certificate");
  }
  // GnuPG 2.2 reads PKCS #12 only with the legacy PBE-SHA1-3DES and a SHA-1
  // MAC; the key stays under the same passphrase. Its reader also rejects
  // about one file in fifty for its random salts, and some certificates
  // encrypted: the key's certificate (public) goes in clear, and every call
  // draws fresh salts, so that import_pkcs12 can try a new encoding. gpgsm
  // reads one certificate from a clear bag, so the chain stays out
  // (import_pkcs12 imports it on its own).
  const int key_nid = NID_pbe_WithSHA1And3_Key_TripleDES_CBC;
  const int cert_nid = -1; // no encryption
  Pkcs12Ptr again(PKCS12_create(pw.c_str(),
                                nullptr,
                                pkey.get(),
                                cert.get(),
                                nullptr,
                                key_nid,
                                cert_nid,
                                PKCS12_DEFAULT_ITER,
                                -1,
                                0));
  if (!again
      || PKCS12_set_mac(again.get(),
                        pw.c_str(),
                        static_cast<int>(pw.size()),
                        nullptr,
                        0,
                        PKCS12_DEFAULT_ITER,
                        EVP_sha1())
           != 1) {
    ERR_clear_error();
    return fail(Errc::internal, "cannot re-encode the PKCS #12 file for gpgsm");
  }
  unsigned char* buf = nullptr;
  const int n = i2d_PKCS12(again.get(), &buf);
  if (n <= 0) {
    ERR_clear_error();
    return fail(Errc::internal, "cannot re-encode the PKCS #12 file for gpgsm");
  }
  out.for_gpgsm.assign(reinterpret_cast<const char*>(buf), static_cast<std::size_t>(n));
  OPENSSL_clear_free(buf, static_cast<std::size_t>(n));
  return out;
}

namespace {

// The first ERROR, FAILURE or IMPORT_PROBLEM status line gpgsm wrote (its
// keywords and codes only: no passphrase or key material), or "".
std::string
first_failure_status(const std::string& output)
{
  for (const auto& line : util::split(output, '\n')) {
    for (const char* k : {"[GNUPG:] ERROR ", "[GNUPG:] FAILURE ", "[GNUPG:] IMPORT_PROBLEM "}) {
      if (line.rfind(k, 0) == 0) {
        return util::terminal_safe(line.substr(9, 120));
      }
    }
  }
  return {};
}

} // namespace

Result<void>
import_certificates(const std::string& gnupg_home, const std::vector<std::string>& certs)
{
  PEERMAIL_TRY_ASSIGN(auto ctx, cms_context(gnupg_home));
  for (const auto& der : certs) {
    PEERMAIL_TRY_ASSIGN(auto d, make_data(der));
    if (auto e = gpgme_op_import(ctx.get(), d.get()); e != 0) {
      return unexpected(from_gpgme(e, "importing a certificate into gpgsm"));
    }
    gpgme_import_result_t r = gpgme_op_import_result(ctx.get());
    if (r == nullptr || r->considered == 0 || r->not_imported > 0) {
      return fail(Errc::crypto, "gpgsm did not import a certificate");
    }
  }
  return {};
}

Result<void>
import_pkcs12(const std::string& gnupg_home,
              const Pkcs12Contents& p12,
              std::shared_ptr<const Secret> passphrase)
{
  if (!passphrase || p12.certs.empty()) {
    return fail(Errc::internal, "import_pkcs12 without a passphrase or certificate");
  }
  PEERMAIL_TRY_ASSIGN(auto leaf, describe_certificate(p12.certs.front()));
  // gpgsm 2.2 rejects some encodings for their salts, and a gpg-agent that
  // is still starting (a fresh home, a loaded machine) can make it drop the
  // key: up to three tries, each with a freshly encoded file.
  int status = 0;
  std::string failure;
  std::string encoded = p12.for_gpgsm;
  for (int attempt = 0; attempt < 3; ++attempt) {
    if (attempt > 0) {
      PEERMAIL_TRY_ASSIGN(auto fresh, open_pkcs12(encoded, *passphrase));
      encoded = std::move(fresh.for_gpgsm);
    }
    PEERMAIL_TRY_ASSIGN(auto run, run_gpgsm_import(gnupg_home, encoded, *passphrase));
    const auto said = [&run](std::string_view what) {
      return run.output.find(what) != std::string::npos;
    };
    if (said("BAD_PASSPHRASE") || said("bad passphrase")) {
      return fail(Errc::auth, "gpgsm did not accept the PKCS #12 passphrase");
    }
    if (run.status != 0 && (said("loopback") || said("Not supported") || said("Forbidden"))) {
      return fail(Errc::auth,
                  "gpg-agent refused the loopback pinentry that importing a PKCS #12 key needs",
                  "KEY-05",
                  "add allow-loopback-pinentry to gpg-agent.conf in the GnuPG home, then run "
                  "gpgconf --kill gpg-agent");
    }
    // Believe the keybox, not the exit status (gpgsm exits 2 after a mere
    // "issuer certificate not found"): the key's certificate must now have
    // its secret key.
    PEERMAIL_TRY_ASSIGN(auto ctx, cms_context(gnupg_home));
    gpgme_key_t raw = nullptr;
    if (gpgme_get_key(ctx.get(), leaf.sha1.c_str(), &raw, 1) == 0 && raw != nullptr) {
      gpgme_key_unref(raw);
      return import_certificates(gnupg_home,
                                 std::vector<std::string>(p12.certs.begin() + 1, p12.certs.end()));
    }
    status = run.status;
    failure = first_failure_status(run.output);
  }
  return fail(Errc::crypto,
              fmt::format("gpgsm did not import the PKCS #12 key (gpgsm exit {}{}{})",
                          status,
                          failure.empty() ? "" : ", ",
                          failure),
              "",
              "check gpg-agent (gpgconf --launch gpg-agent) and try again");
}

} // namespace peermail::crypto
