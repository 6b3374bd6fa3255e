// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Building PGP/MIME messages (RFC 3156) with protected headers (RFC 9788):
// the message is split into outer headers and a canonical inner entity; the
// caller signs or encrypts the entity's bytes (crypto/) and assembles the
// result here. Never depends on GPGME: signatures and ciphertexts come in as
// bytes.

#include <peermail/util/result.hpp>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace peermail::mime {

// How prepare() treats the outer Subject.
enum class SubjectProtection {
  keep,        // the outer Subject stays (sign only: nothing is hidden)
  placeholder, // the outer Subject becomes "[...]" (RFC 9788 §4.1)
};

// A message split for protection.
struct Prepared
{
  std::string outer_headers;           // CRLF header lines for the outer message, ending with
                                       // "MIME-Version: 1.0\r\n"; no Content-*, no Bcc
  std::string inner;                   // the canonical entity to sign or encrypt: CRLF
                                       // line ends, 7-bit clean, protected headers inside
  std::string message_id;              // without angle brackets (generated if missing)
  std::string from_address;            // the single From address, lower case
  std::vector<std::string> recipients; // To, Cc and Bcc addresses, lower case, unique
};

// Parse `message` (RFC 5322) and split it. The inner entity carries copies of
// From, To, Cc, Reply-To, Subject, Date and Message-ID and
// `protected-headers="v1"` on its Content-Type; its leaves are QP- or
// base64-encoded where needed so that it survives transport unchanged
// (canonicalize_for_signing). Errors: Errc::data for an unparseable message,
// a From with no or several addresses, or a message that is already
// PGP/MIME protected.
Result<Prepared> prepare(std::string_view message, SubjectProtection subject);

// The error message for raw 8-bit bytes in the inner entity (Errc::data).
std::string raw_8bit_message();

// A message split for streaming protection (large attachments): like Prepared,
// but the inner entity is not held in memory. Leaf contents stay in the input
// file and are read again by write_inner(); the input fd must stay open and
// unchanged until then.
class StreamPrepared
{
public:
  StreamPrepared();
  StreamPrepared(StreamPrepared&&) noexcept;
  StreamPrepared& operator=(StreamPrepared&&) noexcept;
  ~StreamPrepared();

  Prepared head; // everything but `inner` (empty)

  // Write the inner entity to `out_fd` as prepare() would serialize it, but
  // before to_crlf() and the 8-bit check: the caller applies CrlfNormalizer
  // and checks the bytes as it streams them (so the result equals
  // prepare().inner). Errc::io on write errors.
  Result<void> write_inner(int out_fd) const;

private:
  friend Result<StreamPrepared> prepare_fd(int fd, SubjectProtection subject);
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

// prepare() for a message read from `fd` (current offset to EOF; a seekable
// file). Parses headers and MIME structure; leaf contents are not loaded.
// Same errors as prepare() except the 8-bit check (see write_inner()).
Result<StreamPrepared> prepare_fd(int fd, SubjectProtection subject);

// The addresses of a message, for choosing keys.
struct MessageAddresses
{
  std::vector<std::string> from; // every From address, lower case
  std::vector<std::string>
    recipients;                 // To, Cc and Bcc, normalised (address::check_address), unique
  std::vector<std::string> bcc; // the Bcc ones among them
};

// Parse `message` and return its addresses, each in the one address rule's
// normal form (lower case, A-labels; a From the rule refuses stays as
// written). Errc::data when unparseable or a To/Cc/Bcc address is refused.
Result<MessageAddresses> read_addresses(std::string_view message);

// Return the complete multipart/signed message (RFC 3156 §5): `p.inner`
// exactly as signed, then `signature` (armored) as application/pgp-signature.
// `micalg` is e.g. "pgp-sha256".
std::string assemble_signed(const Prepared& p, std::string_view signature, std::string_view micalg);

// Return the complete multipart/encrypted message (RFC 3156 §4) around the
// armored `ciphertext`.
std::string assemble_encrypted(const Prepared& p, std::string_view ciphertext);

// The pieces of assemble_encrypted(), for streaming the ciphertext:
// encrypted_head(p, b) + to_crlf(ciphertext) + encrypted_tail(b, ended)
// where `ended` says whether the ciphertext was empty or ended with LF.
// new_boundary() is random and cannot occur in ASCII armor.
std::string new_boundary();
std::string encrypted_head(const Prepared& p, std::string_view boundary);
std::string encrypted_tail(std::string_view boundary, bool body_ended_with_newline);

// to_crlf() over a stream of chunks: feed() appends the converted chunk to
// `out` (a CR at a chunk end waits for the next chunk); finish() ends it.
class CrlfNormalizer
{
public:
  void feed(std::string_view in, std::string& out);
  void finish(std::string& out);

private:
  bool m_cr = false;
};

// Return `text` with every line ending (LF or CRLF) as CRLF.
std::string to_crlf(std::string_view text);

} // namespace peermail::mime
