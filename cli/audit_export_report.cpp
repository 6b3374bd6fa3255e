// SPDX-License-Identifier: GPL-3.0-or-later
#include "audit_export_report.hpp"

#include "audit_verify_report.hpp"
#include "output.hpp"

#include <peermail/util/strings.hpp>

#include <fmt/core.h>

namespace peermail::cli {

int
report_export_verify(const std::string& path, const audit::ExportReport& r, const GlobalOptions& g)
{
  if (g.json) {
    nlohmann::json j = {
      {"ok",                r.ok               },
      {"path",              path               },
      {"export",            true               },
      {"source",            r.source           },
      {"filter",            r.filter           },
      {"records",           r.records          },
      {"filtered",          r.filtered         },
      {"first_seq",         r.first_seq        },
      {"last_seq",          r.last_seq         },
      {"head_seq",          r.head_seq         },
      {"manifest_signed",   r.manifest_signed  },
      {"signature_checked", r.signature_checked},
      {"seals",             r.seals            }
    };
    if (!r.ok) {
      j["problem"] = r.problem;
      j["line"] = r.first_bad_line;
    }
    print_json(j);
  }
  if (!r.ok) {
    return print_error(Error(Errc::verdict,
                             fmt::format("export {}: {}", path, r.problem),
                             "AUD-03",
                             "do not rely on this export; make a new one from the verified log"));
  }
  if (!g.json) {
    fmt::print(
      "export {}: {} record{} of {} (seq {}…{}), {} left out by the filter, chain and "
      "manifest intact\n",
      path,
      r.records,
      plural(r.records),
      util::terminal_safe(r.source),
      r.first_seq,
      r.last_seq,
      r.filtered);
    if (r.signature_checked) {
      fmt::print("manifest: signed by the seal key; {} seal{} of the source log verified\n",
                 r.seals,
                 plural(r.seals));
    }
  }
  if (r.manifest_signed && !r.signature_checked) {
    warn_seals_not_checked();
  }
  return 0;
}

void
report_export_written(const audit::Export& ex)
{
  print_note(fmt::format("exported {} record{} with a{} manifest",
                         ex.count,
                         plural(ex.count),
                         ex.signed_manifest ? " signed" : "n unsigned"));
  if (!ex.signed_manifest) {
    print_warn(
      "no [audit] seal_key: the manifest is not signed, so a doctored export that "
      "recomputes it is not detected");
  }
}

} // namespace peermail::cli
