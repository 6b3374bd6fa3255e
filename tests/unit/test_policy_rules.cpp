// SPDX-License-Identifier: GPL-3.0-or-later
#include <peermail/policy/checklist.hpp>

#include <doctest/doctest.h>

using namespace peermail;
using namespace peermail::policy;

namespace {

constexpr std::int64_t k_now = 1767225600; // 2026-01-01

config::Config
clean_config()
{
  config::LoadOptions o;
  auto r = config::parse(
    "[identity]\nfrom = \"Ana <ana@clinic.test>\"\nuser_id = \"ana\"\n"
    "signing_key = \"0123456789ABCDEF0123456789ABCDEF01234567\"\n"
    "[account.default]\nhost = \"smtp.clinic.test\"\nport = 465\n"
    "tls = \"implicit\"\nusername = \"ana\"\npassword_env = \"PW\"\n"
    "[audit]\npath = \"/var/lib/pm/audit.jsonl\"\n"
    "[compliance]\n"
    "baa = { provider = \"P\", reference = \"BAA-1\", expires = 2027-06-30 }\n"
    "risk_analysis = { reference = \"RA-1\", date = 2025-11-01 }\n"
    "emergency_access = { reference = \"EA-1\", date = 2025-11-01 }\n",
    "c.toml",
    o);
  REQUIRE(r);
  return *r;
}

Facts
facts(const config::Config& cfg)
{
  Facts f;
  f.config = &cfg;
  f.now = k_now;
  f.versions = {"2.2.40", "1.18.0", "OpenSSL 3.0.17", "7.88.1"};
  crypto::KeyFacts k;
  k.fingerprint = "0123456789ABCDEF0123456789ABCDEF01234567";
  crypto::SubkeyFacts s;
  s.algo = "ed25519";
  s.can_sign = true;
  crypto::SubkeyFacts e;
  e.algo = "cv25519";
  e.can_encrypt = true;
  k.subkeys = {s, e};
  crypto::KeyJudgement j;
  j.key = k;
  f.signer = KeyCheck{"signing key", "ana@clinic.test", j};
  f.secret_key_protected = true;
  f.gnupg_home = FileFacts{"/home/a/.gnupg", true, true, false, 0700, true};
  return f;
}

const Finding&
get(const std::vector<Finding>& fs, std::string_view id)
{
  for (const auto& f : fs) {
    if (f.id == id) {
      return f;
    }
  }
  FAIL("no finding " << id);
  return fs.front();
}

} // namespace

TEST_SUITE("peermail::policy::checklist")
{
  TEST_CASE("evaluate: a clean setup has 45 items in order and no FAIL")
  {
    auto cfg = clean_config();
    auto fs = evaluate(facts(cfg));
    REQUIRE(fs.size() == 45);
    CHECK(fs.front().id == "TLS-01");
    CHECK(fs.back().id == "CFG-06");
    CHECK_FALSE(any_fail(fs));
    CHECK(get(fs, "TLS-03").status == Status::skip);
    CHECK(get(fs, "TLS-03").evidence == "needs --probe (live server check)");
    CHECK(get(fs, "TLS-02").evidence == "account.default.min_tls = \"1.2\" (default)");
    CHECK(get(fs, "CFG-01").status == Status::pass);
  }

  TEST_CASE("evaluate: missing BAA fails CFG-01, old risk analysis warns CFG-03")
  {
    auto cfg = clean_config();
    cfg.compliance.baa.reset();
    cfg.compliance.risk_analysis->date = config::Date{2024, 1, 1};
    auto fs = evaluate(facts(cfg));
    CHECK(get(fs, "CFG-01").status == Status::fail);
    CHECK(get(fs, "CFG-01").evidence
          == "no Business Associate Agreement attested (compliance.baa)");
    CHECK(get(fs, "CFG-03").status == Status::warn);
    CHECK(get(fs, "CFG-03").evidence == "risk analysis RA-1 of 2024-01-01 is older than 12 months");
    CHECK(any_fail(fs));
  }

  TEST_CASE("evaluate: violations fail their item with evidence and fix")
  {
    auto cfg = clean_config();
    cfg.violations.push_back(config::Violation{
      "account.default.min_tls",
      "\"1.0\"",
      config::SourcePos{"c.toml", 9, 11},
      "TLS-02",
      "TLS versions below 1.2 must not be used",
      "set min_tls = \"1.2\" or \"1.3\""
    });
    auto fs = evaluate(facts(cfg));
    const auto& f = get(fs, "TLS-02");
    CHECK(f.status == Status::fail);
    CHECK(f.evidence
          == "account.default.min_tls = \"1.0\" (c.toml:9): TLS versions below 1.2 must not be "
             "used");
    CHECK(f.fix == "set min_tls = \"1.2\" or \"1.3\"");
  }

  TEST_CASE("evaluate: gpg.conf and gpg-agent.conf lint")
  {
    auto cfg = clean_config();
    auto f = facts(cfg);
    f.gpg_conf =
      "# comment\ntrust-model always\npersonal-cipher-preferences CAST5 AES\n"
      "digest-algo SHA1\n";
    f.gpg_agent_conf = "default-cache-ttl 86400\n";
    auto fs = evaluate(f);
    CHECK(get(fs, "E2E-04").status == Status::fail);
    CHECK(get(fs, "E2E-04").evidence == "gpg.conf: trust-model always");
    CHECK(get(fs, "E2E-02").status == Status::fail);
    CHECK(get(fs, "SIG-02").status == Status::fail);
    CHECK(get(fs, "AUTH-06").status == Status::warn);
    CHECK(get(fs, "AUTH-06").evidence
          == "gpg-agent default-cache-ttl 86400 s, max-cache-ttl 7200 s");
  }

  TEST_CASE("evaluate: an expired peer fails KEY-02 and E2E-01")
  {
    auto cfg = clean_config();
    auto f = facts(cfg);
    crypto::KeyJudgement j;
    j.address = "sam@hospital.test";
    j.problem = crypto::KeyProblem::expired;
    j.check_id = "KEY-02";
    j.reason = "key AAAA expired on 2025-12-22";
    j.fix = "ask sam@hospital.test for an updated key";
    f.peers.push_back(KeyCheck{"peer", "sam@hospital.test", j});
    auto fs = evaluate(f);
    CHECK(get(fs, "KEY-02").status == Status::fail);
    CHECK(get(fs, "KEY-02").evidence == "peer <sam@hospital.test>: key AAAA expired on 2025-12-22");
    CHECK(get(fs, "E2E-01").status == Status::fail);
    CHECK(get(fs, "E2E-01").evidence == "no usable key for <sam@hospital.test> [KEY-02]");
  }

  TEST_CASE("evaluate: an S/MIME peer accepted without a revocation answer warns KEY-03")
  {
    auto cfg = clean_config();
    auto f = facts(cfg);
    crypto::KeyJudgement j;
    j.address = "una@lab.test";
    crypto::KeyFacts k;
    k.fingerprint = "B4DA5DDD9465484AA911751BBF89E3A944D98722";
    j.key = k;
    j.warnings.push_back(
      "certificate revocation was not checked for B4DA5DDD9465484AA911751BBF89E3A944D98722 "
      "(dirmngr has no CRL or OCSP answer for it): accepted because [smime] revocation = "
      "\"offline\" [KEY-03]");
    f.peers.push_back(KeyCheck{"S/MIME peer", "una@lab.test", j});
    auto fs = evaluate(f);
    CHECK(get(fs, "KEY-03").status == Status::warn);
    CHECK(get(fs, "KEY-03").evidence.find("S/MIME peer: certificate revocation was not checked")
          != std::string::npos);
    CHECK(get(fs, "KEY-03").fix.find("gpgsm --call-dirmngr loadcrl") != std::string::npos);
    CHECK(get(fs, "E2E-01").status == Status::pass);
  }

  TEST_CASE("evaluate: permissions and protection (AUTH-05, KEY-05, AUD-05)")
  {
    auto cfg = clean_config();
    cfg.audit.retention_days = 365;
    auto f = facts(cfg);
    f.gnupg_home = FileFacts{"/home/a/.gnupg", true, true, false, 0755, true};
    f.secret_key_protected = false;
    auto fs = evaluate(f);
    CHECK(get(fs, "KEY-05").status == Status::fail);
    CHECK(get(fs, "KEY-05").evidence
          == "GnuPG home /home/a/.gnupg has mode 0755; the signing key's secret part is stored "
             "without a passphrase");
    CHECK(get(fs, "AUTH-05").status == Status::fail);
    CHECK(get(fs, "AUD-05").status == Status::warn);
  }

  TEST_CASE("evaluate: a GnuPG home that does not exist fails KEY-05 with the fix")
  {
    auto cfg = clean_config();
    auto f = facts(cfg);
    f.gnupg_home = FileFacts{"/home/a/.nognupg", false, false, false, 0, true};
    auto fs = evaluate(f);
    CHECK(get(fs, "KEY-05").status == Status::fail);
    CHECK(get(fs, "KEY-05").evidence.find("/home/a/.nognupg does not exist") != std::string::npos);
    CHECK(get(fs, "KEY-05").fix.find("--gnupg-home") != std::string::npos);
    f.gnupg_home.reset();
    CHECK(get(evaluate(f), "KEY-05").status == Status::fail);
  }

  TEST_CASE("evaluate: a weak archive key fails KEY-01 (policy.archive_key)")
  {
    auto cfg = clean_config();
    auto f = facts(cfg);
    crypto::KeyJudgement j;
    j.problem = crypto::KeyProblem::weak;
    j.check_id = "KEY-01";
    j.reason =
      "archive key B (policy.archive_key): key B: rsa1024 gives less than 112-bit security";
    j.fix = "set policy.archive_key to …";
    f.archive = KeyCheck{"archive key", "", j};
    auto fs = evaluate(f);
    CHECK(get(fs, "KEY-01").status == Status::fail);
    CHECK(get(fs, "KEY-01").evidence.find("policy.archive_key") != std::string::npos);
  }

  TEST_CASE("require_no_fail: the gate names the failing items, the first one's ID and fix")
  {
    auto cfg = clean_config();
    CHECK(require_no_fail(evaluate(facts(cfg))));
    cfg.compliance.baa.reset();
    auto r = require_no_fail(evaluate(facts(cfg)));
    REQUIRE_FALSE(r);
    CHECK(r.error().code == Errc::config);
    CHECK(r.error().check_id == "CFG-01");
    CHECK(r.error().message.find("checklist item CFG-01") == 0);
    CHECK(r.error().message.find("compliance.baa") != std::string::npos);
    CHECK(r.error().fix.find("compliance.baa") != std::string::npos);
  }

  TEST_CASE("merge_findings and find_item")
  {
    auto cfg = clean_config();
    auto fs = evaluate(facts(cfg));
    Finding p;
    p.id = "TLS-07";
    p.status = Status::fail;
    merge_findings(fs, {p});
    CHECK(get(fs, "TLS-07").status == Status::fail);
    CHECK(find_item("AUD-05") != nullptr);
    CHECK(find_item("TLS-99") == nullptr);
  }
  TEST_CASE("evaluate: AUD-03 warns without [audit] seal_key and passes with one")
  {
    auto cfg = clean_config();
    auto fs = evaluate(facts(cfg));
    CHECK(get(fs, "AUD-03").status == Status::warn);
    CHECK(get(fs, "AUD-03").evidence
          == "records are hash-chained but not sealed: a chain rewritten and rehashed from some "
             "record on is not detected");
    cfg.audit.seal_key = "89ABCDEF0123456789ABCDEF0123456789ABCDEF";
    fs = evaluate(facts(cfg));
    CHECK(get(fs, "AUD-03").status == Status::pass);
  }

  TEST_CASE("evaluate: E2E-03 passes GnuPG's default RSA-3072, warns below 128-bit strength")
  {
    auto cfg = clean_config();
    auto f = facts(cfg);
    auto& enc = f.signer->judgement.key->subkeys[1];
    enc.algo = "rsa3072";
    enc.length = 3072;
    enc.fingerprint = "EEEE";
    CHECK(get(evaluate(f), "E2E-03").status == Status::pass);
    enc.algo = "rsa2048";
    enc.length = 2048;
    const auto fs = evaluate(f);
    CHECK(get(fs, "E2E-03").status == Status::warn);
    CHECK(get(fs, "E2E-03").evidence
          == "signing key <ana@clinic.test>: encryption subkey EEEE (rsa2048) is below 128-bit "
             "strength (NIST SP 800-57: 112-bit RSA only through 2030)");
    enc.algo = "elg2048";
    CHECK(get(evaluate(f), "E2E-03").status == Status::warn);
  }
}
