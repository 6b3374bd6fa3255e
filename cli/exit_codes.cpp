// SPDX-License-Identifier: GPL-3.0-or-later
#include "exit_codes.hpp"

namespace peermail::cli {

int
exit_code(Errc code)
{
  switch (code) {
  case Errc::usage:
    return k_usage;
  case Errc::data:
    return k_dataerr;
  case Errc::no_input:
    return k_noinput;
  case Errc::no_key:
    return k_nouser;
  case Errc::unavailable:
    return k_unavailable;
  case Errc::internal:
    return k_software;
  case Errc::crypto:
    return k_software;
  case Errc::io:
    return k_ioerr;
  case Errc::temp:
    return k_tempfail;
  case Errc::canceled:
    return k_tempfail;
  case Errc::protocol:
    return k_protocol;
  case Errc::auth:
    return k_noperm;
  case Errc::permissions:
    return k_noperm;
  case Errc::config:
    return k_config;
  case Errc::insecure_config:
    return k_config;
  case Errc::verdict:
    return k_negative;
  case Errc::maybe_delivered:
    return k_unavailable; // never 75: a retry could deliver twice
  case Errc::cant_create:
    return k_cantcreat;
  }
  return k_software;
}

std::string_view
exit_code_name(int code)
{
  switch (code) {
  case k_ok:
    return "EX_OK";
  case k_negative:
    return "NEGATIVE";
  case k_usage:
    return "EX_USAGE";
  case k_dataerr:
    return "EX_DATAERR";
  case k_noinput:
    return "EX_NOINPUT";
  case k_nouser:
    return "EX_NOUSER";
  case k_unavailable:
    return "EX_UNAVAILABLE";
  case k_software:
    return "EX_SOFTWARE";
  case k_cantcreat:
    return "EX_CANTCREAT";
  case k_ioerr:
    return "EX_IOERR";
  case k_tempfail:
    return "EX_TEMPFAIL";
  case k_protocol:
    return "EX_PROTOCOL";
  case k_noperm:
    return "EX_NOPERM";
  case k_config:
    return "EX_CONFIG";
  default:
    return "UNKNOWN";
  }
}

} // namespace peermail::cli
