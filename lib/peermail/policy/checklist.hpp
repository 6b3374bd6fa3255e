// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <peermail/policy/facts.hpp>
#include <peermail/policy/finding.hpp>
#include <peermail/util/result.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace peermail::policy {

// One item of CHECKLIST.md (profile "hipaa").
struct ChecklistItem
{
  std::string_view id;    // "TLS-02"
  std::string_view area;  // "Transport (TLS)"
  std::string_view title; // "TLS 1.2 or newer"
  Level level;
  std::string_view reference; // "NIST SP 800-52r2 §4.1; RFC 8996"
};

// Return the 45 items in CHECKLIST.md order.
const std::vector<ChecklistItem>& checklist();

// Return the item `id` (upper case), or nullptr.
const ChecklistItem* find_item(std::string_view id);

// Evaluate every item over `facts` and return one Finding per item, in
// checklist order. Items that need a live server are `skip` "needs --probe";
// items that need a human are `skip` with the reason. Pure: no I/O.
std::vector<Finding> evaluate(const Facts& facts);

// Replace the findings whose ids appear in `probe` (from a live probe).
void merge_findings(std::vector<Finding>& findings, const std::vector<Finding>& probe);

// Return true if any finding is a FAIL.
bool any_fail(const std::vector<Finding>& findings);

// The checklist gate of send, sendmail and batch: Errc::config (exit 78)
// naming every failing item, with the first one's evidence, ID and fix, when
// any finding is a FAIL; nothing otherwise. Pure.
Result<void> require_no_fail(const std::vector<Finding>& findings);

} // namespace peermail::policy
