// SPDX-License-Identifier: GPL-3.0-or-later
#include <peermail/crypto/context.hpp>

#include <doctest/doctest.h>
#include <gpgme.h>

using namespace peermail;
using namespace peermail::crypto;

TEST_SUITE("peermail::crypto::context")
{
  TEST_CASE("from_gpgme_op: GnuPG failures of the moment are temporary")
  {
    for (auto code : {GPG_ERR_GENERAL,
                      GPG_ERR_AGENT,
                      GPG_ERR_NO_AGENT,
                      GPG_ERR_ASS_CONNECT_FAILED,
                      GPG_ERR_ASS_READ_ERROR,
                      GPG_ERR_ASS_WRITE_ERROR,
                      GPG_ERR_EPIPE,
                      GPG_ERR_EAGAIN,
                      GPG_ERR_TIMEOUT}) {
      CAPTURE(code);
      const auto err = gpgme_err_make(GPG_ERR_SOURCE_GPGME, code);
      CHECK(is_transient(err));
      const Error e = from_gpgme_op(err, "encrypting");
      CHECK(e.code == Errc::temp);
      CHECK(e.fix == "GnuPG or its agent failed for the moment (often under load): try again");
    }
    const Error general =
      from_gpgme_op(gpgme_err_make(GPG_ERR_SOURCE_GPGME, GPG_ERR_GENERAL), "encrypting");
    CHECK(general.message == "encrypting: GPGME: General error");
  }

  TEST_CASE("from_gpgme_op: failures of the data or the keys stay final")
  {
    for (auto code : {GPG_ERR_BAD_PASSPHRASE,
                      GPG_ERR_NO_SECKEY,
                      GPG_ERR_UNUSABLE_PUBKEY,
                      GPG_ERR_INV_VALUE,
                      GPG_ERR_KEY_EXPIRED}) {
      CAPTURE(code);
      const auto err = gpgme_err_make(GPG_ERR_SOURCE_GPGME, code);
      CHECK_FALSE(is_transient(err));
      CHECK(from_gpgme_op(err, "signing").code == Errc::crypto);
    }
    CHECK(from_gpgme_op(gpgme_err_make(GPG_ERR_SOURCE_GPGME, GPG_ERR_CANCELED), "signing").code
          == Errc::canceled);
  }
}
