// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// `peermail keys pin ADDR FPR`: write a [[peer]] entry into the config file,
// safely (docs/DESIGN.md §4, E2E-04). The file must be a regular file owned
// by the user and readable by nobody else (a symbolic link is refused: the
// pin goes into the file named, not wherever a link points); it is replaced
// atomically with mode 0600, and the result must parse (toml++) and load
// (config::parse) with exactly one entry for ADDR naming FPR.

#include <peermail/config/config.hpp>
#include <peermail/util/result.hpp>

#include <string>

namespace peermail::config {

// What to do when ADDR already has a [[peer]] entry with another fingerprint.
enum class ExistingPin { refuse, replace };

struct PinOutcome
{
  std::string previous; // the fingerprint pinned before ("" if none)
  PeerProtocol previous_protocol = PeerProtocol::openpgp;
  bool changed = false; // false when ADDR was already pinned to FPR
};

// Pin `address` (a valid address, lower-case domain) to `fingerprint` (40
// or 64 hex digits) for `protocol` in the config file `path` (an S/MIME
// entry is written with protocol = "smime"; an entry for ADDR of the other
// protocol is "another pin"), read with `opts` (for
// validating the result). Errors: no_input (missing file), permissions
// (symbolic link, not a regular file, not the user's, readable or writable
// by others: 77), usage (another pin exists and `existing` is refuse; an
// inline peer array that cannot be edited), config (the result would not
// load), io.
Result<PinOutcome> pin_peer(const std::string& path,
                            const std::string& address,
                            const std::string& fingerprint,
                            ExistingPin existing,
                            const LoadOptions& opts,
                            PeerProtocol protocol = PeerProtocol::openpgp);

} // namespace peermail::config
