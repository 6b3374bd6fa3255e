// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
// The passphrase of a PKCS #12 file for `keys import`: from
// --passphrase-command, or asked on the terminal without echo. Never
// logged, never printed.

#include <peermail/crypto/passphrase.hpp>
#include <peermail/util/result.hpp>

#include <memory>
#include <string>

namespace peermail::cli {

// Return the passphrase for `file`: the first line `command` prints when it
// is set (errors: auth, 77), else the answer typed on /dev/tty with echo
// off (errors: usage, 64, when there is no terminal or nothing is typed).
Result<std::shared_ptr<const crypto::Secret>> pkcs12_passphrase(const std::string& file,
                                                                const std::string& command);

} // namespace peermail::cli
