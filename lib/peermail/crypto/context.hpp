// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <peermail/util/handle.hpp>
#include <peermail/util/result.hpp>

#include <gpgme.h>

#include <memory>
#include <string>
#include <string_view>

namespace peermail::crypto {

// RAII handles for GPGME objects.
using Ctx = util::Handle<gpgme_context, gpgme_release>;
using Data = util::Handle<gpgme_data, gpgme_data_release>;
using Key = util::Handle<_gpgme_key, gpgme_key_unref>;

// Convert `err` into an Error ("<what>: <source>: <description>"). Canceled
// maps to Errc::canceled, everything else to `code` (default Errc::crypto).
Error from_gpgme(gpgme_error_t err, std::string_view what, Errc code = Errc::crypto);

// Return true if `err` is a failure of the moment, not of the data or the
// keys: GnuPG's general error (gpg exited without saying why, as it does
// when the agent is overloaded), the agent missing or failing, and IPC
// failures (Assuan, broken pipe, EAGAIN, EINTR, timeouts, too many open
// files).
bool is_transient(gpgme_error_t err);

// As from_gpgme() for a sign or encrypt operation: a transient error
// (is_transient) is Errc::temp, worth another attempt, with a fix that says
// so; every other error is Errc::crypto (or canceled).
Error from_gpgme_op(gpgme_error_t err, std::string_view what);

// Create a context for `protocol` with GPGME's defaults (engine, home).
Result<Ctx> new_context(gpgme_protocol_t protocol);

// Create an OpenPGP context for `gnupg_home` ("" = default home): the engine
// home is set before the first operation, pinentry is loopback-free (the
// agent asks), armor off. One context per thread.
Result<Ctx> make_context(const std::string& gnupg_home);

// Create a memory data object, empty or holding a copy of `bytes`.
Result<Data> make_data();
Result<Data> make_data(std::string_view bytes);
// Create a data object over callbacks; `cbs` (which GPGME keeps a pointer
// to) and `handle` must outlive it.
Result<Data> make_data(gpgme_data_cbs* cbs, void* handle);

// A sink for decrypted data that keeps at most `limit` bytes: a write
// beyond fails (EFBIG) and sets `overflow`, which stops the engine.
struct BoundedSink
{
  std::string bytes;
  std::size_t limit = 0;
  bool overflow = false;
};
// Create a data object writing into `sink`, which must outlive it.
Result<Data> make_bounded_data(BoundedSink& sink);

// Return true for errors that mean the reader could not use their own
// secret key (wrong or no passphrase, no pinentry, no agent, cancelled).
bool is_credential_problem(gpg_err_code_t code);

// Return the facts GPGME lists for `k` (subkeys, user IDs, validity).
struct KeyFacts;
KeyFacts to_facts(gpgme_key_t k);

// Return what GPGME reports of signature `s` (fingerprint, status from its
// code and summary, validity, hash, time, key usage); no user IDs yet.
struct SignatureFacts;
SignatureFacts signature_facts(gpgme_signature_t s);

// Return and release the contents of `d` (which stays valid and empty).
std::string take_data(gpgme_data_t d);

} // namespace peermail::crypto
