// SPDX-License-Identifier: GPL-3.0-or-later
#include "protect.hpp"

#include <peermail/crypto/engine.hpp>
#include <peermail/mime/pgp_mime.hpp>
#include <peermail/util/fd_io.hpp>
#include <peermail/util/fs.hpp>

#include <fmt/core.h>
#include <openssl/evp.h>

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>

namespace peermail::protect {

namespace {

// Reads the serialized inner entity back from its scratch file for GPGME:
// CRLF-normalizes it (as to_crlf()), refuses raw 8-bit bytes (as prepare())
// and hashes exactly the bytes that are signed.
class InnerSource
{
public:
  explicit InnerSource(int fd)
    : m_fd(fd),
      m_md(EVP_MD_CTX_new())
  {
    m_ok = m_md != nullptr && EVP_DigestInit_ex(m_md, EVP_sha256(), nullptr) == 1;
  }
  ~InnerSource()
  {
    EVP_MD_CTX_free(m_md);
  }
  InnerSource(const InnerSource&) = delete;
  InnerSource& operator=(const InnerSource&) = delete;

  // Fill up to `n` bytes of `buf`; 0 at EOF, -1 on error.
  std::int64_t
  read(char* buf, std::size_t n)
  {
    while (m_pending.size() - m_pos == 0 && !m_eof) {
      if (!m_ok) {
        return -1;
      }
      m_pending.clear();
      m_pos = 0;
      char chunk[k_chunk];
      const ssize_t got = ::read(m_fd, chunk, sizeof chunk);
      if (got < 0 && errno == EINTR) {
        continue;
      }
      if (got < 0) {
        m_io_failed = true;
        return -1;
      }
      if (got == 0) {
        m_crlf.finish(m_pending);
        m_eof = true;
      } else {
        m_crlf.feed(std::string_view(chunk, static_cast<std::size_t>(got)), m_pending);
      }
      for (const unsigned char c : m_pending) {
        if (c >= 0x80 || c == 0) {
          m_raw_8bit = true;
          return -1;
        }
      }
      if (EVP_DigestUpdate(m_md, m_pending.data(), m_pending.size()) != 1) {
        m_ok = false;
        return -1;
      }
    }
    const std::size_t k = std::min(n, m_pending.size() - m_pos);
    std::copy_n(m_pending.data() + m_pos, k, buf);
    m_pos += k;
    return static_cast<std::int64_t>(k);
  }

  bool
  raw_8bit() const
  {
    return m_raw_8bit;
  }
  bool
  io_failed() const
  {
    return m_io_failed || !m_ok;
  }

  // The hex SHA-256 of everything read (call after EOF).
  std::string
  sha256_hex()
  {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_DigestFinal_ex(m_md, md, &len);
    std::string out;
    for (unsigned int i = 0; i < len; ++i) {
      out += fmt::format("{:02x}", md[i]);
    }
    return out;
  }

private:
  static constexpr std::size_t k_chunk = 64 * 1024;
  int m_fd;
  EVP_MD_CTX* m_md;
  bool m_ok = false;
  bool m_eof = false;
  bool m_raw_8bit = false;
  bool m_io_failed = false;
  mime::CrlfNormalizer m_crlf;
  std::string m_pending;
  std::size_t m_pos = 0;
};

// Writes GPGME's armored output to the message file with CRLF line ends.
class ArmorSink
{
public:
  explicit ArmorSink(int fd)
    : m_fd(fd)
  {
  }

  bool
  write(std::string_view bytes)
  {
    if (bytes.empty()) {
      return true;
    }
    m_buf.clear();
    m_crlf.feed(bytes, m_buf);
    m_ended_lf = bytes.back() == '\n';
    if (!util::write_fd(m_fd, m_buf)) {
      m_io_failed = true;
      return false;
    }
    return true;
  }

  Result<void>
  finish()
  {
    m_buf.clear();
    m_crlf.finish(m_buf);
    if (!m_buf.empty()) {
      m_ended_lf = true;
      PEERMAIL_TRY(util::write_fd(m_fd, m_buf));
    }
    return {};
  }

  bool
  io_failed() const
  {
    return m_io_failed;
  }
  bool
  ended_with_newline() const
  {
    return m_ended_lf;
  }

private:
  int m_fd;
  bool m_io_failed = false;
  bool m_ended_lf = true; // nothing written: like an empty body
  mime::CrlfNormalizer m_crlf;
  std::string m_buf;
};

class GpgProtector final : public Protector
{
public:
  explicit GpgProtector(std::unique_ptr<crypto::Engine> engine)
    : m_engine(std::move(engine))
  {
  }

  Result<void>
  use_passphrase(std::shared_ptr<const crypto::Secret> secret, const std::string& setting) override
  {
    return m_engine->use_passphrase(std::move(secret), setting);
  }

  Result<ProtectResult>
  protect(std::string_view message, const ProtectOptions& opts) override
  {
    if (!opts.sign && !opts.encrypt) {
      return fail(Errc::usage, "nothing to do: neither signing nor encrypting");
    }
    if (opts.sign && opts.signer_fingerprint.empty()) {
      return fail(Errc::no_key,
                  "no signing key configured",
                  "SIG-01",
                  "set identity.signing_key to your key's full fingerprint");
    }
    const auto subject = opts.encrypt && opts.protect_subject ? mime::SubjectProtection::placeholder
                                                              : mime::SubjectProtection::keep;
    PEERMAIL_TRY_ASSIGN(mime::Prepared prepared, mime::prepare(message, subject));
    ProtectResult out;
    out.message_id = prepared.message_id;
    out.content_sha256 = util::sha256_hex(prepared.inner);
    if (opts.encrypt) {
      // RFC 3156 §6.2: one OpenPGP message, signed then encrypted, over the
      // whole inner entity (what stock gpg and Thunderbird verify).
      PEERMAIL_TRY_ASSIGN(auto enc,
                          m_engine->encrypt(prepared.inner,
                                            opts.recipient_fingerprints,
                                            opts.sign ? opts.signer_fingerprint : std::string(),
                                            opts.hide_recipients));
      if (opts.sign) {
        out.hash_algo = crypto::hash_name(enc.hash_algo);
      }
      out.message = mime::assemble_encrypted(prepared, enc.data);
      return out;
    }
    PEERMAIL_TRY_ASSIGN(auto sig, m_engine->sign_detached(prepared.inner, opts.signer_fingerprint));
    auto micalg = crypto::micalg_for(sig.hash_algo);
    if (!micalg) {
      return fail(Errc::crypto, "the signature hash is weaker than SHA-256", "SIG-02");
    }
    out.hash_algo = crypto::hash_name(sig.hash_algo);
    out.message = mime::assemble_signed(prepared, sig.data, *micalg);
    return out;
  }

  // Streaming sign+encrypt (send, sendmail): the inner entity goes through a
  // scratch file and GPGME callbacks; the armored ciphertext is written to
  // `out_fd` as it comes. Other cases use the in-memory default.
  Result<ProtectResult>
  protect_fd(int in_fd, int out_fd, const ProtectOptions& opts) override
  {
    if (!opts.sign || !opts.encrypt || opts.signer_fingerprint.empty()) {
      return Protector::protect_fd(in_fd, out_fd, opts);
    }
    const auto subject =
      opts.protect_subject ? mime::SubjectProtection::placeholder : mime::SubjectProtection::keep;
    PEERMAIL_TRY_ASSIGN(auto prepared, mime::prepare_fd(in_fd, subject));
    PEERMAIL_TRY_ASSIGN(auto inner, util::TempFile::create(opts.temp_dir));
    PEERMAIL_TRY(prepared.write_inner(inner.fd()));
    PEERMAIL_TRY(inner.rewind());

    const std::string boundary = mime::new_boundary();
    PEERMAIL_TRY(util::write_fd(out_fd, mime::encrypted_head(prepared.head, boundary)));
    InnerSource source(inner.fd());
    ArmorSink sink(out_fd);
    auto enc =
      m_engine->encrypt_stream([&source](char* buf, std::size_t n) { return source.read(buf, n); },
                               [&sink](std::string_view bytes) { return sink.write(bytes); },
                               opts.recipient_fingerprints,
                               opts.signer_fingerprint,
                               opts.hide_recipients);
    if (source.raw_8bit()) {
      return fail(Errc::data, mime::raw_8bit_message());
    }
    if (source.io_failed()) {
      return fail(Errc::io, "cannot read the temporary file");
    }
    if (sink.io_failed()) {
      return fail(Errc::io, "cannot write the protected message");
    }
    if (!enc) {
      return unexpected(enc.error());
    }
    PEERMAIL_TRY(sink.finish());
    PEERMAIL_TRY(util::write_fd(out_fd, mime::encrypted_tail(boundary, sink.ended_with_newline())));
    ProtectResult out;
    out.message_id = prepared.head.message_id;
    out.hash_algo = crypto::hash_name(enc->hash_algo);
    out.content_sha256 = source.sha256_hex();
    return out;
  }

  Result<void>
  prefetch_keys(const std::vector<std::string>& fingerprints) override
  {
    PEERMAIL_TRY(m_engine->prefetch_public(fingerprints));
    return {};
  }

private:
  std::unique_ptr<crypto::Engine> m_engine;
};

} // namespace

Result<std::unique_ptr<Protector>>
Protector::create(const std::string& gnupg_home)
{
  PEERMAIL_TRY_ASSIGN(auto engine, crypto::Engine::create(gnupg_home));
  return std::unique_ptr<Protector>(new GpgProtector(std::move(engine)));
}

} // namespace peermail::protect
