// SPDX-License-Identifier: GPL-3.0-or-later
#include "context.hpp"

#include <fmt/core.h>

#include <cerrno>

namespace peermail::crypto {

Error
from_gpgme(gpgme_error_t err, std::string_view what, Errc code)
{
  if (gpgme_err_code(err) == GPG_ERR_CANCELED) {
    code = Errc::canceled;
  }
  return Error(code, fmt::format("{}: {}: {}", what, gpgme_strsource(err), gpgme_strerror(err)));
}

bool
is_transient(gpgme_error_t err)
{
  switch (gpgme_err_code(err)) {
  case GPG_ERR_GENERAL:
  case GPG_ERR_AGENT:
  case GPG_ERR_NO_AGENT:
  case GPG_ERR_ASS_GENERAL:
  case GPG_ERR_ASS_CONNECT_FAILED:
  case GPG_ERR_ASS_SERVER_START:
  case GPG_ERR_ASS_READ_ERROR:
  case GPG_ERR_ASS_WRITE_ERROR:
  case GPG_ERR_EPIPE:
  case GPG_ERR_EAGAIN:
  case GPG_ERR_EINTR:
  case GPG_ERR_ETIMEDOUT:
  case GPG_ERR_TIMEOUT:
  case GPG_ERR_EMFILE:
  case GPG_ERR_ENFILE:
    return true;
  default:
    return false;
  }
}

Error
from_gpgme_op(gpgme_error_t err, std::string_view what)
{
  Error e = from_gpgme(err, what);
  if (e.code != Errc::canceled && is_transient(err)) {
    e.code = Errc::temp;
    e.fix = "GnuPG or its agent failed for the moment (often under load): try again";
  }
  return e;
}

Result<Ctx>
new_context(gpgme_protocol_t protocol)
{
  gpgme_ctx_t raw = nullptr;
  if (auto e = gpgme_new(&raw); e != 0) {
    return unexpected(from_gpgme(e, "gpgme_new"));
  }
  Ctx ctx(raw);
  if (auto e = gpgme_set_protocol(raw, protocol); e != 0) {
    return unexpected(from_gpgme(e, "gpgme_set_protocol"));
  }
  return ctx;
}

Result<Ctx>
make_context(const std::string& gnupg_home)
{
  PEERMAIL_TRY_ASSIGN(auto ctx, new_context(GPGME_PROTOCOL_OpenPGP));
  gpgme_ctx_t raw = ctx.get();
  if (!gnupg_home.empty()) {
    if (auto e =
          gpgme_ctx_set_engine_info(raw, GPGME_PROTOCOL_OpenPGP, nullptr, gnupg_home.c_str());
        e != 0) {
      return unexpected(from_gpgme(e, fmt::format("GnuPG home {}", gnupg_home)));
    }
  }
  gpgme_set_armor(raw, 0);
  gpgme_set_textmode(raw, 0);
  gpgme_set_offline(raw, 1);
  return ctx;
}

Result<Data>
make_data()
{
  gpgme_data_t d = nullptr;
  if (auto e = gpgme_data_new(&d); e != 0) {
    return unexpected(from_gpgme(e, "gpgme_data_new"));
  }
  return Data(d);
}

Result<Data>
make_data(std::string_view bytes)
{
  gpgme_data_t d = nullptr;
  if (auto e = gpgme_data_new_from_mem(&d, bytes.data(), bytes.size(), 1); e != 0) {
    return unexpected(from_gpgme(e, "gpgme_data_new_from_mem"));
  }
  return Data(d);
}

Result<Data>
make_data(gpgme_data_cbs* cbs, void* handle)
{
  gpgme_data_t d = nullptr;
  if (auto e = gpgme_data_new_from_cbs(&d, cbs, handle); e != 0) {
    return unexpected(from_gpgme(e, "creating a data buffer"));
  }
  return Data(d);
}

namespace {

ssize_t
bounded_write_cb(void* handle, const void* buffer, size_t size)
{
  auto* s = static_cast<BoundedSink*>(handle);
  if (s->bytes.size() + size > s->limit) {
    s->overflow = true;
    errno = EFBIG;
    return -1;
  }
  try {
    s->bytes.append(static_cast<const char*>(buffer), size);
  } catch (...) {
    errno = ENOMEM;
    return -1;
  }
  return static_cast<ssize_t>(size);
}

// GPGME keeps a pointer to the callbacks: one static table for all sinks.
gpgme_data_cbs g_bounded_cbs = {nullptr, bounded_write_cb, nullptr, nullptr};

} // namespace

Result<Data>
make_bounded_data(BoundedSink& sink)
{
  return make_data(&g_bounded_cbs, &sink);
}

bool
is_credential_problem(gpg_err_code_t code)
{
  switch (code) {
  case GPG_ERR_BAD_PASSPHRASE:
  case GPG_ERR_NO_PASSPHRASE:
  case GPG_ERR_NO_PIN_ENTRY:
  case GPG_ERR_PIN_ENTRY:
  case GPG_ERR_CANCELED:
  case GPG_ERR_FULLY_CANCELED:
  case GPG_ERR_NO_AGENT:
  case GPG_ERR_AGENT:
  case GPG_ERR_ENOTTY:
  case GPG_ERR_TIMEOUT:
    return true;
  default:
    return false;
  }
}

std::string
take_data(gpgme_data_t d)
{
  std::string out;
  gpgme_data_seek(d, 0, SEEK_SET);
  char buf[16384];
  ssize_t n = 0;
  while ((n = gpgme_data_read(d, buf, sizeof buf)) > 0) {
    out.append(buf, static_cast<std::size_t>(n));
  }
  return out;
}

} // namespace peermail::crypto
