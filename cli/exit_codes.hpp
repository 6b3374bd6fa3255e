// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <peermail/util/error.hpp>

#include <string_view>

namespace peermail::cli {

// sysexits.h values used by peermail (docs/DESIGN.md §3).
enum ExitCode : int {
  k_ok = 0,
  k_negative = 1, // check found a FAIL, verify not valid, audit verify tampering
  k_usage = 64,
  k_dataerr = 65,
  k_noinput = 66,
  k_nouser = 67,
  k_unavailable = 69,
  k_software = 70,
  k_cantcreat = 73, // an output file exists (-o without --force)
  k_ioerr = 74,
  k_tempfail = 75,
  k_protocol = 76,
  k_noperm = 77,
  k_config = 78,
};

// Return the exit code for `code`: the one table that maps library errors to
// docs/DESIGN.md §3.
int exit_code(Errc code);

// Return the sysexits name of `code`, e.g. "EX_TEMPFAIL" (for audit and logs).
std::string_view exit_code_name(int code);

} // namespace peermail::cli
