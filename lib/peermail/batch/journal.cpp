// SPDX-License-Identifier: GPL-3.0-or-later
#include "journal.hpp"

#include <peermail/util/fs.hpp>
#include <peermail/util/handle.hpp>

#include <fmt/core.h>
#include <sqlite3.h>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <functional>
#include <memory>

namespace peermail::batch {

namespace {

// 2: state 'unknown' (the reply to the final "." never came).
constexpr int k_schema_version = 2;

#define PEERMAIL_RECIPIENTS_COLUMNS                                                                \
  "(\n"                                                                                            \
  "  ord INTEGER PRIMARY KEY AUTOINCREMENT,\n"                                                     \
  "  email TEXT NOT NULL UNIQUE,\n"                                                                \
  "  message_id TEXT NOT NULL,\n"                                                                  \
  "  state TEXT NOT NULL CHECK (state IN ('pending', 'sent', 'failed', 'unknown')),\n"             \
  "  attempts INTEGER NOT NULL DEFAULT 0,\n"                                                       \
  "  smtp_code INTEGER,\n"                                                                         \
  "  error TEXT NOT NULL DEFAULT '',\n"                                                            \
  "  updated_ms INTEGER NOT NULL\n"                                                                \
  ");\n"

const char* const k_schema =
  "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);\n"
  "CREATE TABLE recipients " PEERMAIL_RECIPIENTS_COLUMNS;

// A schema-1 journal (no 'unknown' state) gets it: SQLite cannot change a
// CHECK constraint, so the table is copied within the caller's transaction.
const char* const k_upgrade_1_to_2 =
  "CREATE TABLE recipients_v2 " PEERMAIL_RECIPIENTS_COLUMNS
  "INSERT INTO recipients_v2 SELECT ord, email, message_id, state, attempts, smtp_code, error, "
  "updated_ms FROM recipients;\n"
  "DROP TABLE recipients;\n"
  "ALTER TABLE recipients_v2 RENAME TO recipients;\n"
  "UPDATE meta SET value = '2' WHERE key = 'schema_version';\n";

#undef PEERMAIL_RECIPIENTS_COLUMNS

using Stmt = util::Handle<sqlite3_stmt, sqlite3_finalize>;

std::int64_t
now_ms()
{
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

Error
db_error(sqlite3* db, const std::string& path, std::string_view what)
{
  const int code = db != nullptr ? sqlite3_errcode(db) : SQLITE_CANTOPEN;
  const char* msg = db != nullptr ? sqlite3_errmsg(db) : "cannot open";
  if (code == SQLITE_NOTADB || code == SQLITE_CORRUPT) {
    return Error(Errc::data,
                 fmt::format("journal {}: not a batch journal ({})", path, msg),
                 "",
                 "pass another --journal FILE, or move this file away");
  }
  return Error(Errc::io, fmt::format("journal {}: {}: {}", path, what, msg));
}

Result<Stmt>
prepare(sqlite3* db, const std::string& path, const char* sql)
{
  sqlite3_stmt* raw = nullptr;
  if (sqlite3_prepare_v2(db, sql, -1, &raw, nullptr) != SQLITE_OK) {
    return unexpected(db_error(db, path, "cannot prepare a statement"));
  }
  return Stmt(raw);
}

void
bind_text(sqlite3_stmt* s, int i, const std::string& v)
{
  sqlite3_bind_text(s, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
}

std::string
column_text(sqlite3_stmt* s, int i)
{
  const auto* p = sqlite3_column_text(s, i);
  return p == nullptr ? std::string()
                      : std::string(reinterpret_cast<const char*>(p),
                                    static_cast<std::size_t>(sqlite3_column_bytes(s, i)));
}

EntryState
parse_state(const std::string& s)
{
  if (s == "sent") {
    return EntryState::sent;
  }
  if (s == "failed") {
    return EntryState::failed;
  }
  if (s == "unknown") {
    return EntryState::unknown;
  }
  return EntryState::pending;
}

JournalEntry
read_entry(sqlite3_stmt* s)
{
  JournalEntry e;
  e.order = sqlite3_column_int64(s, 0);
  e.email = column_text(s, 1);
  e.message_id = column_text(s, 2);
  e.state = parse_state(column_text(s, 3));
  e.attempts = sqlite3_column_int(s, 4);
  if (sqlite3_column_type(s, 5) != SQLITE_NULL) {
    e.smtp_code = sqlite3_column_int(s, 5);
  }
  e.error = column_text(s, 6);
  e.updated_ms = sqlite3_column_int64(s, 7);
  return e;
}

constexpr const char* k_select =
  "SELECT ord, email, message_id, state, attempts, smtp_code, error, updated_ms FROM recipients";

// Add the 'unknown' state to a journal written before it existed.
Result<void>
upgrade_schema(sqlite3* db, const std::string& path)
{
  PEERMAIL_TRY_ASSIGN(Stmt s,
                      prepare(db, path, "SELECT sql FROM sqlite_master WHERE name = 'recipients'"));
  if (sqlite3_step(s.get()) != SQLITE_ROW) {
    return fail(Errc::data,
                fmt::format("journal {}: not a batch journal", path),
                "",
                "pass another --journal FILE, or move this file away");
  }
  if (column_text(s.get(), 0).find("'unknown'") != std::string::npos) {
    return {};
  }
  s.reset();
  if (sqlite3_exec(db, k_upgrade_1_to_2, nullptr, nullptr, nullptr) != SQLITE_OK) {
    return unexpected(db_error(db, path, "cannot upgrade"));
  }
  return {};
}

} // namespace

std::string_view
to_string(EntryState s)
{
  switch (s) {
  case EntryState::pending:
    return "pending";
  case EntryState::sent:
    return "sent";
  case EntryState::failed:
    return "failed";
  case EntryState::unknown:
    return "unknown";
  }
  return "pending";
}

std::string
make_batch_id(std::string_view recipients_bytes,
              std::string_view template_bytes,
              std::string_view identity)
{
  std::string buf;
  for (const std::string_view part : {recipients_bytes, template_bytes, identity}) {
    buf += std::to_string(part.size());
    buf += ':';
    buf += part;
  }
  return util::sha256_hex(buf);
}

namespace {

const util::OwnedFile k_journal_file{"journal", "AUTH-05", "--journal"};

Error
open_error(const std::string& path, int err)
{
  if (err == ELOOP) {
    return Error{Errc::permissions,
                 fmt::format("journal {}: is a symbolic link", path),
                 "AUTH-05",
                 "point --journal at the journal file itself"};
  }
  return Error{Errc::io, fmt::format("journal {}: cannot create: {}", path, std::strerror(err))};
}

// Open the journal file `path` (and, if they exist, its SQLite "-wal" and
// "-shm" files, which SQLite would replay) and judge each by the owner-only
// rule: a journal planted by another user, or one others can write, would
// decide who is skipped as already sent (AUTH-05).
Result<void>
check_journal_files(const std::string& path)
{
  const util::Fd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600));
  if (!fd) {
    return unexpected(open_error(path, errno));
  }
  PEERMAIL_TRY(util::check_owner_only(fd.get(), path, k_journal_file));
  for (const char* suffix : {"-wal", "-shm"}) {
    const std::string side = path + suffix;
    const util::Fd sfd(::open(side.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
    if (!sfd) {
      if (errno == ENOENT) {
        continue;
      }
      return unexpected(open_error(side, errno));
    }
    PEERMAIL_TRY(util::check_owner_only(sfd.get(), side, k_journal_file));
  }
  return {};
}

// Take the run lock of the journal at `path` (see journal.hpp): an exclusive,
// non-blocking flock on "<path>.lock", which then holds our pid. Returns the
// descriptor that holds it.
Result<util::Fd>
take_run_lock(const std::string& path)
{
  const std::string lock = path + ".lock";
  util::Fd fd(::open(lock.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600));
  if (!fd) {
    return unexpected(open_error(lock, errno));
  }
  PEERMAIL_TRY(util::check_owner_only(fd.get(), lock, k_journal_file));
  int rc = 0;
  do {
    rc = ::flock(fd.get(), LOCK_EX | LOCK_NB);
  } while (rc != 0 && errno == EINTR);
  if (rc != 0) {
    const int e = errno;
    std::string holder(32, '\0');
    const ssize_t n = ::pread(fd.get(), holder.data(), holder.size(), 0);
    holder.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
    while (!holder.empty() && (holder.back() == '\n' || holder.back() == '\0')) {
      holder.pop_back();
    }
    fd.close();
    if (e != EWOULDBLOCK) {
      return fail(Errc::io, fmt::format("journal {}: cannot lock: {}", lock, std::strerror(e)));
    }
    const bool pid_ok =
      !holder.empty() && holder.find_first_not_of("0123456789") == std::string::npos;
    return fail(Errc::temp,
                fmt::format("journal {}: another batch run (pid {}) is using it; nothing was sent",
                            path,
                            pid_ok ? holder : std::string("unknown")),
                "",
                "wait for that run to finish, then run the same command again to resume");
  }
  const std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd.get(), 0) != 0
      || ::pwrite(fd.get(), pid.data(), pid.size(), 0) != static_cast<ssize_t>(pid.size())) {
    const int e = errno;
    return fail(Errc::io, fmt::format("journal {}: cannot write: {}", lock, std::strerror(e)));
  }
  return fd;
}

} // namespace

void
close_db(sqlite3* db)
{
  sqlite3_close_v2(db);
}

Journal::Journal(sqlite3* db, std::string path, std::string batch_id, util::Fd lock)
  : m_lock(std::move(lock)),
    m_db(db),
    m_path(std::move(path)),
    m_batch_id(std::move(batch_id))
{
}

Journal::Journal(Journal&& o) noexcept = default;

Journal&
Journal::operator=(Journal&& o) noexcept
{
  if (this != &o) {
    m_db.reset(); // close the database before the run lock is released
    m_lock = std::move(o.m_lock);
    m_db = std::move(o.m_db);
    m_path = std::move(o.m_path);
    m_batch_id = std::move(o.m_batch_id);
  }
  return *this;
}

// Members are destroyed in reverse order: the database, then the run lock.
Journal::~Journal() = default;

Result<void>
Journal::exec(const char* sql) const
{
  char* err = nullptr;
  if (sqlite3_exec(m_db.get(), sql, nullptr, nullptr, &err) != SQLITE_OK) {
    sqlite3_free(err);
    return unexpected(db_error(m_db.get(), m_path, "write failed"));
  }
  return {};
}

Result<Journal>
Journal::open(const std::string& path, const std::string& batch_id)
{
  // One run at a time, before anything else is touched.
  PEERMAIL_TRY_ASSIGN(util::Fd lock, take_run_lock(path));
  // Create the file with mode 0600 ourselves (SQLite gives -wal/-shm the
  // same mode), and trust it only if it is ours.
  PEERMAIL_TRY(check_journal_files(path));
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE, nullptr);
  Journal j(raw, path, batch_id, std::move(lock));
  if (rc != SQLITE_OK) {
    return unexpected(db_error(raw, path, "cannot open"));
  }
  sqlite3_busy_timeout(raw, 5000);
  sqlite3_extended_result_codes(raw, 0);
  PEERMAIL_TRY(j.exec("PRAGMA journal_mode=WAL"));
  PEERMAIL_TRY(j.exec("PRAGMA synchronous=FULL"));
  PEERMAIL_TRY(j.exec("BEGIN IMMEDIATE"));
  auto rollback = [&j](Error e) {
    (void)j.exec("ROLLBACK");
    return unexpected(std::move(e));
  };
  PEERMAIL_TRY_ASSIGN(Stmt tables, prepare(raw, path, "SELECT count(*) FROM sqlite_master"));
  if (sqlite3_step(tables.get()) != SQLITE_ROW) {
    return rollback(db_error(raw, path, "cannot read"));
  }
  const auto n_tables = sqlite3_column_int64(tables.get(), 0);
  tables.reset();
  if (n_tables == 0) {
    if (auto r = j.exec(k_schema); !r) {
      return rollback(r.error());
    }
    auto ins = prepare(raw,
                       path,
                       "INSERT INTO meta (key, value) VALUES ('batch_id', ?1), "
                       "('schema_version', ?2)");
    if (!ins) {
      return rollback(ins.error());
    }
    bind_text(ins->get(), 1, batch_id);
    bind_text(ins->get(), 2, std::to_string(k_schema_version));
    if (sqlite3_step(ins->get()) != SQLITE_DONE) {
      return rollback(db_error(raw, path, "cannot write"));
    }
  } else {
    auto sel = prepare(raw, path, "SELECT value FROM meta WHERE key = 'batch_id'");
    if (!sel || sqlite3_step(sel->get()) != SQLITE_ROW) {
      return rollback(Error(Errc::data,
                            fmt::format("journal {}: not a batch journal", path),
                            "",
                            "pass another --journal FILE, or move this file away"));
    }
    const std::string stored = column_text(sel->get(), 0);
    if (stored != batch_id) {
      return rollback(
        Error(Errc::data,
              fmt::format("journal {}: belongs to another batch (the recipients file, template or "
                          "identity changed since it was written)",
                          path),
              "",
              "pass another --journal FILE for the new batch, or restore the original inputs to "
              "resume"));
    }
  }
  if (auto r = upgrade_schema(raw, path); !r) {
    return rollback(r.error());
  }
  PEERMAIL_TRY(j.exec("COMMIT"));
  return j;
}

Result<void>
Journal::add_pending(const std::vector<std::pair<std::string, std::string>>& entries)
{
  PEERMAIL_TRY(exec("BEGIN IMMEDIATE"));
  auto stmt = prepare(m_db.get(),
                      m_path,
                      "INSERT OR IGNORE INTO recipients (email, message_id, state, updated_ms) "
                      "VALUES (?1, ?2, 'pending', ?3)");
  if (!stmt) {
    (void)exec("ROLLBACK");
    return unexpected(stmt.error());
  }
  const auto now = now_ms();
  for (const auto& [email, message_id] : entries) {
    sqlite3_reset(stmt->get());
    bind_text(stmt->get(), 1, email);
    bind_text(stmt->get(), 2, message_id);
    sqlite3_bind_int64(stmt->get(), 3, now);
    if (sqlite3_step(stmt->get()) != SQLITE_DONE) {
      Error e = db_error(m_db.get(), m_path, "cannot write");
      stmt->reset();
      (void)exec("ROLLBACK");
      return unexpected(std::move(e));
    }
  }
  stmt->reset();
  return exec("COMMIT");
}

Result<std::optional<JournalEntry>>
Journal::get(const std::string& email) const
{
  const std::string sql = std::string(k_select) + " WHERE email = ?1";
  PEERMAIL_TRY_ASSIGN(Stmt s, prepare(m_db.get(), m_path, sql.c_str()));
  bind_text(s.get(), 1, email);
  const int rc = sqlite3_step(s.get());
  if (rc == SQLITE_ROW) {
    return std::optional<JournalEntry>(read_entry(s.get()));
  }
  if (rc != SQLITE_DONE) {
    return unexpected(db_error(m_db.get(), m_path, "cannot read"));
  }
  return std::optional<JournalEntry>();
}

namespace {

Result<std::vector<JournalEntry>>
select_all(sqlite3* db, const std::string& path, const std::string& sql)
{
  PEERMAIL_TRY_ASSIGN(Stmt s, prepare(db, path, sql.c_str()));
  std::vector<JournalEntry> out;
  int rc = 0;
  while ((rc = sqlite3_step(s.get())) == SQLITE_ROW) {
    out.push_back(read_entry(s.get()));
  }
  if (rc != SQLITE_DONE) {
    return unexpected(db_error(db, path, "cannot read"));
  }
  return out;
}

} // namespace

Result<std::vector<JournalEntry>>
Journal::entries() const
{
  return select_all(m_db.get(), m_path, std::string(k_select) + " ORDER BY ord");
}

Result<std::vector<JournalEntry>>
Journal::remaining() const
{
  return select_all(m_db.get(),
                    m_path,
                    std::string(k_select) + " WHERE state IN ('pending', 'failed') ORDER BY ord");
}

namespace {

// Run an UPDATE for one email; data error when no row has that email.
Result<void>
update_one(sqlite3* db,
           const std::string& path,
           const std::string& email,
           const char* sql,
           const std::function<void(sqlite3_stmt*)>& bind)
{
  PEERMAIL_TRY_ASSIGN(Stmt s, prepare(db, path, sql));
  bind_text(s.get(), 1, email);
  sqlite3_bind_int64(s.get(), 2, now_ms());
  bind(s.get());
  if (sqlite3_step(s.get()) != SQLITE_DONE) {
    return unexpected(db_error(db, path, "cannot write"));
  }
  s.reset();
  // Unknown email, or (for mark_failed) a sent entry left alone.
  if (sqlite3_changes(db) == 0) {
    Stmt chk;
    PEERMAIL_TRY_ASSIGN(chk, prepare(db, path, "SELECT 1 FROM recipients WHERE email = ?1"));
    bind_text(chk.get(), 1, email);
    if (sqlite3_step(chk.get()) != SQLITE_ROW) {
      return fail(Errc::data, fmt::format("journal {}: no entry for a recipient", path));
    }
  }
  return {};
}

} // namespace

Result<void>
Journal::record_attempt(const std::string& email)
{
  return update_one(m_db.get(),
                    m_path,
                    email,
                    "UPDATE recipients SET attempts = attempts + 1, updated_ms = ?2 "
                    "WHERE email = ?1 AND state != 'sent'",
                    [](sqlite3_stmt*) {});
}

Result<void>
Journal::mark_sent(const std::string& email, int smtp_code)
{
  return update_one(m_db.get(),
                    m_path,
                    email,
                    "UPDATE recipients SET state = 'sent', smtp_code = ?3, error = '', "
                    "updated_ms = ?2 WHERE email = ?1 AND state != 'sent'",
                    [smtp_code](sqlite3_stmt* s) { sqlite3_bind_int(s, 3, smtp_code); });
}

Result<void>
Journal::mark_failed(const std::string& email,
                     std::optional<int> smtp_code,
                     const std::string& error,
                     std::optional<int> attempts)
{
  return update_one(m_db.get(),
                    m_path,
                    email,
                    "UPDATE recipients SET state = 'failed', smtp_code = ?3, error = ?4, "
                    "attempts = coalesce(?5, attempts), updated_ms = ?2 "
                    "WHERE email = ?1 AND state != 'sent'",
                    [&](sqlite3_stmt* s) {
                      if (smtp_code) {
                        sqlite3_bind_int(s, 3, *smtp_code);
                      } else {
                        sqlite3_bind_null(s, 3);
                      }
                      bind_text(s, 4, error);
                      if (attempts) {
                        sqlite3_bind_int(s, 5, *attempts);
                      } else {
                        sqlite3_bind_null(s, 5);
                      }
                    });
}

Result<void>
Journal::mark_unknown(const std::string& email, const std::string& error, int attempts)
{
  return update_one(m_db.get(),
                    m_path,
                    email,
                    "UPDATE recipients SET state = 'unknown', smtp_code = NULL, error = ?3, "
                    "attempts = ?4, updated_ms = ?2 WHERE email = ?1 AND state != 'sent'",
                    [&](sqlite3_stmt* s) {
                      bind_text(s, 3, error);
                      sqlite3_bind_int(s, 4, attempts);
                    });
}

Result<void>
Journal::mark_in_flight(const std::string& email)
{
  return update_one(m_db.get(),
                    m_path,
                    email,
                    "UPDATE recipients SET state = 'unknown', smtp_code = NULL, error = ?3, "
                    "updated_ms = ?2 WHERE email = ?1 AND state != 'sent'",
                    [&](sqlite3_stmt* s) { bind_text(s, 3, std::string(k_in_flight)); });
}

Result<JournalCounts>
Journal::counts() const
{
  PEERMAIL_TRY_ASSIGN(
    Stmt s, prepare(m_db.get(), m_path, "SELECT state, count(*) FROM recipients GROUP BY state"));
  JournalCounts c;
  int rc = 0;
  while ((rc = sqlite3_step(s.get())) == SQLITE_ROW) {
    const auto n = static_cast<std::size_t>(sqlite3_column_int64(s.get(), 1));
    switch (parse_state(column_text(s.get(), 0))) {
    case EntryState::pending:
      c.pending = n;
      break;
    case EntryState::sent:
      c.sent = n;
      break;
    case EntryState::failed:
      c.failed = n;
      break;
    case EntryState::unknown:
      c.unknown = n;
      break;
    }
  }
  if (rc != SQLITE_DONE) {
    return unexpected(db_error(m_db.get(), m_path, "cannot read"));
  }
  return c;
}

} // namespace peermail::batch
