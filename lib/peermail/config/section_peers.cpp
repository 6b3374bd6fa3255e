// SPDX-License-Identifier: GPL-3.0-or-later
// [[peer]]: the roster of pinned recipient fingerprints.
#include "parser.hpp"

#include <peermail/address/mailbox.hpp>
#include <peermail/util/fingerprint.hpp>
#include <peermail/util/strings.hpp>

#include <set>

namespace peermail::config {

Result<void>
Parser::parse_peers(toml::node& n)
{
  auto* arr = n.as_array();
  if (arr == nullptr || !arr->is_array_of_tables()) {
    return unexpected(err(n.source(), "peer", "use [[peer]] tables"));
  }
  std::set<std::string> seen;
  std::size_t i = 0;
  for (auto& e : *arr) {
    auto& t = *e.as_table();
    const std::string prefix = fmt::format("peer[{}]", i++);
    PEERMAIL_TRY(check_keys(t, prefix, k_peer_keys));
    PEERMAIL_TRY(normalise_enums(t, prefix, k_peer_enums));
    Peer p;
    auto a = t.get("address");
    auto f = t.get("fingerprint");
    if (a == nullptr || f == nullptr) {
      return unexpected(err(t.source(), prefix, "needs both address and fingerprint"));
    }
    PEERMAIL_TRY_ASSIGN(auto addr, get_string(*a, prefix + ".address"));
    auto mb = address::check_address(addr);
    if (!mb) {
      const auto bad = address::invalid("", addr, mb.error().message);
      auto refusal = err(a->source(), prefix + ".address", bad.message);
      refusal.fix = bad.fix;
      return unexpected(std::move(refusal));
    }
    p.address = *mb;
    PEERMAIL_TRY_ASSIGN(auto fpr, get_string(*f, prefix + ".fingerprint"));
    p.fingerprint = util::normalize_fingerprint(fpr);
    if (!util::is_full_fingerprint(p.fingerprint)) {
      return unexpected(err(f->source(),
                            prefix + ".fingerprint",
                            "must be a full fingerprint (40 or 64 hex digits), not a key ID"));
    }
    if (auto* proto = t.get("protocol")) {
      PEERMAIL_TRY_ASSIGN(auto v, get_string(*proto, prefix + ".protocol"));
      if (v != "openpgp" && v != "smime") {
        return unexpected(
          err(proto->source(), prefix + ".protocol", "must be \"openpgp\" or \"smime\""));
      }
      p.protocol = v == "smime" ? PeerProtocol::smime : PeerProtocol::openpgp;
    }
    if (!seen.insert(p.address).second) {
      return unexpected(
        err(a->source(), prefix + ".address", fmt::format("{} is listed twice", p.address)));
    }
    m_cfg.positions[prefix + ".address"] = pos(a->source());
    m_cfg.peers.push_back(p);
  }
  return {};
}

} // namespace peermail::config
