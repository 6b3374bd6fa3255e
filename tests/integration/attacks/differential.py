#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Differential reading: Python's email package as a second mail reader.

Usage: differential.py MESSAGE.eml VERDICT.json
Exit 1 (and say why) when peermail called the message `valid` although
Python's parser reads it differently: defects in any part, another From,
or more than one visible value of a header peermail compares. Exit 0
otherwise (a non-valid verdict never disagrees with caution).
"""
import email
import email.policy
import json
import sys

raw = open(sys.argv[1], "rb").read()
report = json.load(open(sys.argv[2]))
if report["verdict"] != "valid":
    sys.exit(0)
msg = email.message_from_bytes(raw, policy=email.policy.default)
problems = []
for part in msg.walk():
    for d in part.defects:
        problems.append(f"{part.get_content_type()}: {type(d).__name__}")
for name in ("From", "Sender", "To", "Cc", "Reply-To", "Subject", "Date", "Content-Type"):
    values = {str(v).strip() for v in msg.get_all(name, [])}
    if len(values) > 1:
        problems.append(f"{name} has {len(values)} different values")
try:
    py_from = sorted(a.addr_spec.lower() for a in msg["From"].addresses)
except Exception as e:  # an unparsable From is a disagreement too
    py_from = [f"unparsable: {e}"]
if py_from != sorted(x.strip() for x in report["from"].split(",") if x.strip()):
    problems.append(f"From: python reads {py_from}, peermail {report['from']}")
if problems:
    print("; ".join(problems))
    sys.exit(1)
