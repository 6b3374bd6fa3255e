// SPDX-License-Identifier: GPL-3.0-or-later
// The --json object of `send` and `sendmail` (docs/DESIGN.md).
#include "exit_codes.hpp"
#include "send_report.hpp"

#include <nlohmann/json.hpp>

namespace peermail::cli {

nlohmann::json
send_error_json(const Error& e)
{
  nlohmann::json j = {
    {"kind",      std::string(to_string(e.code))},
    {"message",   e.message                     },
    {"check_id",  e.check_id                    },
    {"fix",       e.fix                         },
    {"exit_code", exit_code(e.code)             }
  };
  if (e.smtp_status) {
    j["smtp_code"] = *e.smtp_status;
  }
  return j;
}

nlohmann::json
send_report_json(const send::SendReport& r)
{
  nlohmann::json rs = nlohmann::json::array();
  for (const auto& x : r.recipients) {
    nlohmann::json j = {
      {"address",  x.address },
      {"field",    x.field   },
      {"status",   x.status  },
      {"key_fpr",  x.key_fpr },
      {"protocol", x.protocol},
      {"warnings", x.warnings}
    };
    if (x.smtp_code) {
      j["smtp_code"] = *x.smtp_code;
    }
    if (!x.reason.empty()) {
      j["reason"] = x.reason;
      j["check_id"] = x.check_id;
      j["fix"] = x.fix;
    }
    rs.push_back(std::move(j));
  }
  nlohmann::json cs = nlohmann::json::array();
  for (const auto& c : r.copies) {
    nlohmann::json j = {
      {"rcpt_to",      c.rcpt_to       },
      {"encrypted_to", c.recipient_fprs},
      {"protocol",     c.protocol      },
      {"signer_fpr",   c.signer_fpr    },
      {"bytes",        c.size          },
      {"status",       c.status        }
    };
    if (c.smtp_code) {
      j["smtp_code"] = *c.smtp_code;
    }
    cs.push_back(std::move(j));
  }
  nlohmann::json j = {
    {"ok",              r.ok()          },
    {"dry_run",         r.dry_run       },
    {"message_id",      r.message_id    },
    {"mail_from",       r.mail_from     },
    {"signer_fpr",      r.signer_fpr    },
    {"hash_algo",       r.hash_algo     },
    {"plaintext_bytes", r.plaintext_size},
    {"recipients",      rs              },
    {"copies",          cs              },
    {"warnings",        r.warnings      }
  };
  if (r.tls) {
    j["tls"] = {
      {"version",          r.tls->version         },
      {"cipher",           r.tls->cipher          },
      {"peer_cert_sha256", r.tls->peer_cert_sha256}
    };
  }
  if (r.error) {
    j["error"] = send_error_json(*r.error);
  }
  return j;
}

} // namespace peermail::cli
