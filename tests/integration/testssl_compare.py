#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Compare `peermail --json check --probe` with testssl.sh's JSON on one server.

usage: testssl_compare.py PROBE_JSON TESTSSL_JSON

PROBE_JSON: the output of `peermail --json check --probe --only
TLS-02,TLS-03,TLS-04,TLS-05,TLS-06,TLS-07`. TESTSSL_JSON: testssl.sh -p -e -S
--jsonfile-pretty. Prints one line per fact ("agree", "deliberate" or
"DISAGREE") and exits 1 on any disagreement. The deliberate differences are
the ones peermail-check(1) lists under COMPARED WITH TESTSSL: SSLv2/SSLv3 and
suite families the local OpenSSL cannot offer (the probe names them in
TLS-03), which testssl.sh tests with its own sockets.
"""
import datetime
import json
import re
import sys

VERSIONS = [("TLS 1", "TLS1"), ("TLS 1.1", "TLS1_1"), ("TLS 1.2", "TLS1_2"), ("TLS 1.3", "TLS1_3")]
# OpenSSL-name fragments of the families the probe reports as not testable.
FAMILY = {"RC4": "RC4", "DES": "DES-CBC-", "3DES": "DES-CBC3", "IDEA": "IDEA",
          "SEED": "SEED", "EXPORT": "EXP"}

out = []
bad = 0


def say(kind, what):
    global bad
    if kind == "DISAGREE":
        bad += 1
    out.append(f"{kind} {what}")


def probe_evidence(doc, ident):
    for f in doc["findings"]:
        if f["id"] == ident:
            return f["status"], f["evidence"]
    raise SystemExit(f"the probe's JSON has no {ident}")


def testssl_facts(doc):
    facts = {}
    for scan in doc["scanResult"]:
        for section, items in scan.items():
            if isinstance(items, list):
                for f in items:
                    facts.setdefault(f["id"], (f["severity"], f["finding"]))
    return facts


def compare_versions(probe, ts):
    _, ev = probe_evidence(probe, "TLS-02")
    said = dict(re.findall(r"(TLS 1(?:\.[123])?) (offered|not offered|not testable|not measured)",
                           ev))
    for label, key in VERSIONS:
        p = said.get(label)
        t = ts.get(key, ("", "(absent)"))[1]
        t_offered = t.startswith("offered")
        if p in ("not testable", "not measured"):
            say("deliberate" if p == "not testable" else "DISAGREE",
                f"{label}: probe {p}, testssl {t}")
        elif p is None:
            say("DISAGREE", f"{label}: the probe's TLS-02 does not say ({ev})")
        elif (p == "offered") == t_offered:
            say("agree", f"{label}: {p}")
        else:
            say("DISAGREE", f"{label}: probe {p}, testssl {t}")
    for key in ("SSLv2", "SSLv3"):
        t = ts.get(key, ("", "(absent)"))[1]
        if not t.startswith("not offered"):
            say("deliberate", f"{key}: testssl {t}; the probe does not test it")


def compare_suites(probe, ts):
    _, ev = probe_evidence(probe, "TLS-03")
    p = set()
    for names in re.findall(r"offered in TLS 1(?:\.[123])?: ([^;]+)", ev):
        p.update(names.split())
    untestable = re.search(r"not testable with the local OpenSSL: ([^;]+)", ev)
    families = [s.strip() for s in untestable.group(1).split(",")] if untestable else []
    t = set()
    for key, (_, finding) in ts.items():
        if key.startswith("cipher_x"):
            t.add(finding.split()[1])
    if not t:
        say("DISAGREE", "testssl listed no cipher suite (was -e run?)")
    for name in sorted(p & t):
        say("agree", f"suite {name} offered")
    for name in sorted(t - p):
        fam = [f for f in families if FAMILY.get(f, f) in name]
        if fam:
            say("deliberate", f"suite {name}: testssl only ({fam[0]}: not testable with the "
                "local OpenSSL)")
        else:
            say("DISAGREE", f"suite {name}: testssl only")
    for name in sorted(p - t):
        say("DISAGREE", f"suite {name}: probe only")


def norm_sig(s):
    s = re.sub(r"[^a-z0-9]", "", s.lower())
    return s[: -len("encryption")] if s.endswith("encryption") else s


def compare_certificate(probe, ts):
    status, ev = probe_evidence(probe, "TLS-07")
    m = re.search(r": (\S+) (\d+) bits, (.+), expires in (-?\d+) days", ev)
    if not m:
        say("DISAGREE", f"certificate: the probe's TLS-07 does not say ({ev})")
        return
    kind, bits, sig, days = m.group(1), int(m.group(2)), m.group(3), int(m.group(4))
    tk = ts.get("cert_keySize", ("", ""))[1]
    tm = re.match(r"(\S+) (\d+) bits", tk)
    if tm and tm.group(1) == kind and int(tm.group(2)) == bits:
        say("agree", f"key {kind} {bits} bits")
    else:
        say("DISAGREE", f"key: probe {kind} {bits} bits, testssl {tk}")
    tsig = ts.get("cert_signatureAlgorithm", ("", ""))[1]
    if norm_sig(sig) == norm_sig(tsig):
        say("agree", f"signature {sig} / {tsig}")
    else:
        say("DISAGREE", f"signature: probe {sig}, testssl {tsig}")
    after = ts.get("cert_notAfter", ("", ""))[1]
    now = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
    tdays = (datetime.datetime.strptime(after, "%Y-%m-%d %H:%M") - now).total_seconds() / 86400
    expired = ts.get("cert_expirationStatus", ("", ""))[1] == "expired"
    if abs(days - tdays) <= 1 and (days < 0) == expired:
        say("agree", f"expires in {days} days (testssl: notAfter {after})")
    else:
        say("DISAGREE", f"expiry: probe {days} days, testssl notAfter {after} "
            f"({ts.get('cert_expirationStatus', ('', ''))[1]})")
    weak = [k for k in ("cert_keySize", "cert_signatureAlgorithm", "cert_expirationStatus")
            if ts.get(k, ("OK", ""))[0] not in ("OK", "INFO", "LOW")]
    if (status == "fail") == bool(weak):
        say("agree", f"TLS-07 {status}" + (f" (testssl rates {', '.join(weak)})" if weak else ""))
    else:
        say("DISAGREE", f"TLS-07 {status}, testssl rates {weak or 'nothing'} as a problem")
    for pid, key, what in (("TLS-04", "cert_chain_of_trust", "chain"),
                           ("TLS-05", "cert_trust", "host name")):
        pst, pev = probe_evidence(probe, pid)
        tsev, tfind = ts.get(key, ("", "(absent)"))
        t_ok = tsev == "OK"
        if (pst == "pass") == t_ok:
            say("agree", f"{what}: {pid} {pst}, testssl {tfind}")
        else:
            say("DISAGREE", f"{what}: {pid} {pst} ({pev}), testssl {tfind}")


def compare_revocation(probe, ts):
    _, ev = probe_evidence(probe, "TLS-06")
    if "Neither CRL nor OCSP URI provided" in ev:
        p = (False, False)
    elif "not fetched" in ev:
        p = ("CRL distribution point" in ev, "OCSP URI" in ev)
    else:
        p = None
    t = (ts.get("cert_crlDistributionPoints", ("", "--"))[1] != "--",
         ts.get("cert_ocspURL", ("", "--"))[1] != "--")
    if p == t:
        say("agree", f"revocation information: CRL {'yes' if t[0] else 'no'}, "
            f"OCSP URI {'yes' if t[1] else 'no'}")
    else:
        say("DISAGREE", f"revocation information: probe {ev}; testssl CRL "
            f"{ts.get('cert_crlDistributionPoints')}, OCSP {ts.get('cert_ocspURL')}")
    staple_p = "stapled OCSP" in ev and "no stapled OCSP" not in ev
    staple_t = ts.get("OCSP_stapling", ("", "not offered"))[1].startswith("offered")
    if staple_p == staple_t:
        say("agree", f"OCSP stapling {'offered' if staple_t else 'not offered'}")
    else:
        say("DISAGREE", f"OCSP stapling: probe {ev}; testssl {ts.get('OCSP_stapling')}")


def main():
    probe = json.load(open(sys.argv[1]))
    ts = testssl_facts(json.load(open(sys.argv[2])))
    compare_versions(probe, ts)
    compare_suites(probe, ts)
    compare_certificate(probe, ts)
    compare_revocation(probe, ts)
    print("\n".join(out))
    print(f"{bad} disagreement(s)")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
