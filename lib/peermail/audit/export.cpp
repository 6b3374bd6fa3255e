// SPDX-License-Identifier: GPL-3.0-or-later
// `audit export` with a signed manifest, and `audit verify --file EXPORT`
// (see export.hpp).
#include "export.hpp"

#include <peermail/audit/file_util.hpp>
#include <peermail/audit/line_reader.hpp>
#include <peermail/util/fs.hpp>

#include <fmt/core.h>

#include <unistd.h>

#include <array>
#include <chrono>
#include <exception>
#include <fstream>

namespace peermail::audit {

namespace {

std::string
dump(const nlohmann::json& j)
{
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

bool
is_seal_record(const nlohmann::json& j)
{
  return j.contains("seal") || j.value("action", std::string()) == k_seal_action;
}

std::string
host_name()
{
  std::array<char, 256> buf{};
  if (::gethostname(buf.data(), buf.size() - 1) != 0 || buf[0] == '\0') {
    return "unknown";
  }
  return buf.data();
}

std::string
now_text()
{
  using namespace std::chrono;
  return format_time(duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count());
}

Result<Export>
make_export_impl(const std::string& path, const ExportOptions& opts)
{
  VerifyOptions vo;
  vo.seals = opts.seals;
  PEERMAIL_TRY_ASSIGN(const auto rep, verify(path, vo));
  if (!rep.ok) {
    return fail(Errc::verdict,
                fmt::format("audit log {}: {}; refusing to export from a log that does not verify",
                            path,
                            rep.problem),
                "AUD-03",
                "keep the log as evidence and export from a verified copy (a backup)");
  }
  std::string body;
  std::string digest_input;
  Export out;
  std::uint64_t first = 0;
  std::uint64_t last = 0;
  std::vector<nlohmann::json> seals;
  Filter all;
  PEERMAIL_TRY(for_each_record(path, all, [&](const nlohmann::json& j, std::uint64_t) {
    if (is_seal_record(j)) {
      seals.push_back(j);
    }
    if (!opts.filter.matches(j)) {
      return;
    }
    const auto seq = j["seq"].get<std::uint64_t>();
    if (out.count == 0) {
      first = seq;
    }
    last = seq;
    out.count += 1;
    body += dump(j);
    body += '\n';
    digest_input += j["hash"].get<std::string>();
    digest_input += '\n';
  }));
  // The seals that vouch for the export: the first after its last record,
  // and the last one of the log.
  nlohmann::json covering = nlohmann::json::array();
  for (const auto& s : seals) {
    if (s["seq"].get<std::uint64_t>() > last) {
      covering.push_back(s);
      break;
    }
  }
  if (!seals.empty() && (covering.empty() || covering.back() != seals.back())) {
    covering.push_back(seals.back());
  }
  nlohmann::json m = {
    {"peermail_export", k_export_version                                                   },
    {"source",          path                                                               },
    {"filter",          opts.filter_desc                                                   },
    {"count",           out.count                                                          },
    {"first_seq",       first                                                              },
    {"last_seq",        last                                                               },
    {"records_sha256",  util::sha256_hex(digest_input)                                     },
    {"head_seq",        rep.head_seq                                                       },
    {"head_hash",       rep.head_hash.empty() ? std::string(k_genesis_prev) : rep.head_hash},
    {"seals",           covering                                                           },
    {"created",         now_text()                                                         },
    {"host",            host_name()                                                        },
  };
  if (!opts.signer.key.empty()) {
    PEERMAIL_TRY_ASSIGN(auto sig, sign_with_seal_key(manifest_text(m), opts.signer));
    m["signature"] = {
      {"key",       sig.key      },
      {"hash_algo", sig.hash_algo},
      {"sig",       sig.signature}
    };
    out.signed_manifest = true;
  }
  out.text = dump(m) + "\n" + body;
  return out;
}

// The manifest's numbers and strings, read strictly.
bool
read_manifest(const nlohmann::json& m, ExportReport& rep, std::uint64_t& count, std::string& digest)
{
  auto u = [&](const char* k, std::uint64_t& out) {
    const auto it = m.find(k);
    if (it == m.end() || !it->is_number_unsigned()) {
      return false;
    }
    out = it->get<std::uint64_t>();
    return true;
  };
  const auto v = m.find("peermail_export");
  if (v == m.end() || !v->is_number_unsigned() || v->get<std::uint64_t>() != k_export_version) {
    return false;
  }
  if (!u("count", count) || !u("first_seq", rep.first_seq) || !u("last_seq", rep.last_seq)
      || !u("head_seq", rep.head_seq) || !m.contains("records_sha256")
      || !m["records_sha256"].is_string() || !m.contains("source") || !m["source"].is_string()
      || !m.contains("seals") || !m["seals"].is_array()) {
    return false;
  }
  digest = m["records_sha256"].get<std::string>();
  rep.source = m["source"].get<std::string>();
  if (m.contains("filter") && m["filter"].is_object()) {
    rep.filter = m["filter"];
  }
  return true;
}

Result<ExportReport>
verify_export_impl(const std::string& path, const std::shared_ptr<SealChecker>& seals)
{
  PEERMAIL_TRY_ASSIGN(auto in, detail::LineReader::open(path));
  ExportReport rep;
  auto bad = [&](std::uint64_t line, std::string problem) {
    rep.ok = false;
    rep.first_bad_line = line;
    rep.problem = std::move(problem);
    return rep;
  };
  std::string line;
  bool complete = false;
  if (!in.next(line, complete)) {
    return bad(1, "the file is empty: no export manifest");
  }
  const auto m = nlohmann::json::parse(line, nullptr, false);
  std::uint64_t count = 0;
  std::string digest;
  if (!m.is_object() || !read_manifest(m, rep, count, digest)) {
    return bad(1, "line 1 is not a valid export manifest");
  }
  // The manifest first: a doctored manifest makes every other finding moot.
  rep.manifest_signed = m.contains("signature");
  if (rep.manifest_signed && seals) {
    const auto& s = m["signature"];
    if (!s.is_object() || !s.contains("sig") || !s["sig"].is_string()) {
      return bad(1, "the export manifest's signature is malformed");
    }
    const auto v =
      seals->check_signature(manifest_text(m), s["sig"].get<std::string>(), "the export manifest");
    if (!v.valid) {
      return bad(1,
                 v.problem + ": the manifest was edited, or the export was not made by peermail");
    }
    rep.signature_checked = true;
  }
  std::string digest_input;
  std::optional<detail::ChainedLine> last;
  std::map<std::uint64_t, std::string> hashes; // seq → hash, for the seals below
  while (in.next(line, complete)) {
    const auto n = in.line_number();
    auto p = detail::parse_chained(line);
    if (!p || (!complete && !in.more())) {
      return bad(n, fmt::format("line {} is not a complete audit record", n));
    }
    if (record_hash(p->j) != p->hash) {
      return bad(n, fmt::format("record {} (line {}) was changed: hash mismatch", p->seq, n));
    }
    if (last && p->seq <= last->seq) {
      return bad(
        n,
        fmt::format(
          "records out of order at line {}: record {} after record {}", n, p->seq, last->seq));
    }
    if (last && p->seq == last->seq + 1 && p->prev != last->hash) {
      return bad(n,
                 fmt::format("record {} (line {}) does not chain to record {} before it: the "
                             "records come from different logs or one was replaced",
                             p->seq,
                             n,
                             last->seq));
    }
    if (last && p->seq > last->seq + 1) {
      rep.filtered += p->seq - last->seq - 1;
    }
    digest_input += p->hash;
    digest_input += '\n';
    hashes[p->seq] = p->hash;
    rep.records += 1;
    last = std::move(p);
  }
  if (!in.ok()) {
    return fail(Errc::io, fmt::format("export {}: read error", path));
  }
  const std::uint64_t first = rep.records == 0 ? 0 : hashes.begin()->first;
  const std::uint64_t end = last ? last->seq : 0;
  if (rep.records != count || first != rep.first_seq || end != rep.last_seq
      || util::sha256_hex(digest_input) != digest) {
    return bad(in.line_number() + 1,
               fmt::format("the records do not match the manifest (it lists {} record{}, "
                           "seq {}…{}; the file holds {}, seq {}…{}): records were removed, "
                           "added or replaced after the export",
                           count,
                           count == 1 ? "" : "s",
                           rep.first_seq,
                           rep.last_seq,
                           rep.records,
                           first,
                           end));
  }
  if (rep.last_seq > rep.head_seq) {
    return bad(1, "the manifest's head precedes its last record");
  }
  for (const auto& s : m["seals"]) {
    if (!s.is_object() || !s.contains("hash") || !s["hash"].is_string()
        || record_hash(s) != s["hash"].get<std::string>()) {
      return bad(1, "a seal in the export manifest was changed: hash mismatch");
    }
    const auto head = parse_seal(s);
    if (head) {
      const auto it = hashes.find(head->seq);
      if (it != hashes.end() && it->second != head->hash) {
        return bad(
          1,
          fmt::format("record {} differs from what the seal of the source log signed", head->seq));
      }
    }
    if (seals) {
      const auto v = seals->check_record(s);
      if (!v.valid) {
        return bad(1, fmt::format("export manifest: {}", v.problem));
      }
    }
    rep.seals += 1;
  }
  return rep;
}

} // namespace

bool
is_export_manifest(const nlohmann::json& first_line)
{
  return first_line.is_object() && first_line.contains("peermail_export");
}

bool
is_export_file(const std::string& path)
{
  std::ifstream in(path, std::ios::binary);
  std::string first;
  char ch = 0;
  while (first.size() < k_max_line_bytes && in.get(ch) && ch != '\n') {
    first.push_back(ch);
  }
  return is_export_manifest(nlohmann::json::parse(first, nullptr, false));
}

void
require_signed_manifest(ExportReport& r, bool key_set)
{
  if (r.ok && !r.manifest_signed && key_set) {
    r.ok = false;
    r.first_bad_line = 1;
    r.problem =
      "the export manifest is not signed, but [audit] seal_key is set: anyone could "
      "have rewritten it";
  }
}

std::string
manifest_text(const nlohmann::json& manifest)
{
  nlohmann::json copy = manifest;
  copy.erase("signature");
  return fmt::format("peermail-export v{}\n{}", k_export_version, dump(copy));
}

Result<Export>
make_export(const std::string& path, const ExportOptions& opts)
{
  try {
    return make_export_impl(path, opts);
  } catch (const std::exception& e) {
    return fail(Errc::internal, fmt::format("audit log {}: {}", path, e.what()));
  }
}

Result<ExportReport>
verify_export(const std::string& path, const std::shared_ptr<SealChecker>& seals)
{
  try {
    PEERMAIL_TRY_ASSIGN(auto rep, verify_export_impl(path, seals));
    require_signed_manifest(rep, seals != nullptr);
    return rep;
  } catch (const std::exception& e) {
    return fail(Errc::internal, fmt::format("export {}: {}", path, e.what()));
  }
}

} // namespace peermail::audit
