//! The coordinator's SQLite tables (the Durable Object is SQLite-backed). Key-value storage keeps
//! the token, counters and booking records; these tables hold what needs range queries or expiry.

use super::{store, ZoomCoordinator};
use serde::de::DeserializeOwned;
use worker::{Result, SqlStorageValue};

const TABLES: &[&str] = &[
    // Redelivered webhooks are recognised by their identity (see `ledger`).
    "CREATE TABLE IF NOT EXISTS webhook_deliveries \
     (key TEXT PRIMARY KEY, seen_at INTEGER NOT NULL)",
    "CREATE INDEX IF NOT EXISTS webhook_deliveries_seen_at ON webhook_deliveries (seen_at)",
    // Time each host is busy: booked meetings (`booking:{id}`), reservations in flight (with a
    // lease), pending reschedules (`reschedule:{id}`) and meetings made outside the service
    // (`zoom:{meeting id}`). Spans are epoch ms, end exclusive.
    "CREATE TABLE IF NOT EXISTS slots (holder TEXT PRIMARY KEY, host TEXT NOT NULL, \
     start_ms INTEGER NOT NULL, end_ms INTEGER NOT NULL, lease_until_ms INTEGER, \
     meeting_id INTEGER)",
    "CREATE INDEX IF NOT EXISTS slots_by_host_time ON slots (host, start_ms)",
    // Every conflict question is a time range over all hosts (`calendar::host_calendars`): a
    // booking's hold, an availability answer. Past slots are pruned, so the meetings ending after
    // a range's start are few beyond it: a range scan, never the whole table.
    "CREATE INDEX IF NOT EXISTS slots_by_end ON slots (end_ms)",
    // Booking attempts by idempotency key, with the answer to replay (columns added since:
    // `ADDED_COLUMNS`).
    "CREATE TABLE IF NOT EXISTS attempts (key TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, \
     booking_id TEXT NOT NULL, answer TEXT, lease_until_ms INTEGER NOT NULL, \
     expires_at_ms INTEGER NOT NULL)",
    "CREATE INDEX IF NOT EXISTS attempts_expiry ON attempts (expires_at_ms)",
    // A cancel or move forgets the keyless submissions that made the booking (`changes`).
    "CREATE INDEX IF NOT EXISTS attempts_by_booking ON attempts (booking_id)",
    // Counts for the limits by subject: bookings by submitter (`ip:…`, `email:…`) and owner
    // actions by booking (`reschedule:…`, `invitation_read:…`); a booking's own rows carry its
    // id (column added since), so a release can give them back.
    "CREATE TABLE IF NOT EXISTS submissions (subject TEXT NOT NULL, at_ms INTEGER NOT NULL)",
    "CREATE INDEX IF NOT EXISTS submissions_by_subject ON submissions (subject, at_ms)",
    // Every count prunes the rows older than the longest window: without this, a full scan
    // of a table that owner reads and refusals also fill.
    "CREATE INDEX IF NOT EXISTS submissions_by_time ON submissions (at_ms)",
    // Availability reads by subject (`availability_ip:…`, `availability_no_ip`): kept only for
    // the read limit's window. Each read first deletes every reader's rows past it (a range of
    // `availability_reads_by_time`, exactly the rows going), so the table holds one window of
    // reads however many addresses they rotate through.
    "CREATE TABLE IF NOT EXISTS availability_reads (subject TEXT NOT NULL, \
     at_ms INTEGER NOT NULL)",
    "CREATE INDEX IF NOT EXISTS availability_reads_by_subject \
     ON availability_reads (subject, at_ms)",
    "CREATE INDEX IF NOT EXISTS availability_reads_by_time ON availability_reads (at_ms)",
    // Zoom user ids (as webhooks name hosts) of the configured hosts, learned by the sync.
    "CREATE TABLE IF NOT EXISTS zoom_hosts (host_id TEXT PRIMARY KEY, host TEXT NOT NULL)",
    // Markers of attempts released as "Zoom made nothing", kept a week: a meeting the sync
    // finds with one of them is an orphan (`booking::reconcile::orphans`).
    "CREATE TABLE IF NOT EXISTS released_markers (marker TEXT PRIMARY KEY, host TEXT NOT NULL, \
     released_at_ms INTEGER NOT NULL)",
    // Attendance kept per participant (`attendance`), so a booking's record stays small.
    "CREATE TABLE IF NOT EXISTS attendance (booking_id TEXT NOT NULL, participant TEXT NOT NULL, \
     entry TEXT NOT NULL, PRIMARY KEY (booking_id, participant))",
    // The one alarm's jobs and their due times (`jobs`).
    "CREATE TABLE IF NOT EXISTS jobs (name TEXT PRIMARY KEY, due_ms INTEGER NOT NULL)",
    // Settings Zoom made otherwise than sent, per event type and setting (`mismatches`).
    "CREATE TABLE IF NOT EXISTS settings_mismatch (event_type TEXT NOT NULL, \
     setting TEXT NOT NULL, sent TEXT NOT NULL, got TEXT NOT NULL, host TEXT NOT NULL, \
     booking_id TEXT NOT NULL, count INTEGER NOT NULL, first_seen_ms INTEGER NOT NULL, \
     last_seen_ms INTEGER NOT NULL, PRIMARY KEY (event_type, setting))",
];

/// Columns added to a table that deployed objects already have: (table, column, type). SQLite
/// has no `ADD COLUMN IF NOT EXISTS`, so each is added only when `PRAGMA table_info` lacks it.
const ADDED_COLUMNS: &[(&str, &str, &str)] = &[
    // The saga's journal (`booking::saga`): what finishes an attempt without its handler.
    ("attempts", "intent", "TEXT"),
    ("attempts", "unknown_since_ms", "INTEGER"),
    ("attempts", "checks", "INTEGER NOT NULL DEFAULT 0"),
    // The booking a count was taken for (`booking::give_back`).
    ("submissions", "booking_id", "TEXT"),
];

/// Indexes on added columns, created once the columns exist.
const LATER_INDEXES: &[&str] = &[
    // A release gives back its booking's counts (`submissions::give_back_submissions`).
    "CREATE INDEX IF NOT EXISTS submissions_by_booking ON submissions (booking_id)",
];

impl ZoomCoordinator {
    /// Runs one statement (synchronous: no other request interleaves with it).
    pub(super) fn execute(&self, query: &str, bindings: Vec<SqlStorageValue>) -> Result<()> {
        self.state.storage().sql().exec(query, bindings)?;
        Ok(())
    }

    /// Runs one query and reads its rows.
    pub(super) fn rows<T: DeserializeOwned>(
        &self,
        query: &str,
        bindings: Vec<SqlStorageValue>,
    ) -> Result<Vec<T>> {
        store::rows(self.state.storage().sql().exec(query, bindings)?)
    }

    /// Creates the tables once per object instance (called before every request is routed).
    pub(super) fn ensure_schema(&self) -> Result<()> {
        if !self.schema_ready.get() {
            let sql = self.state.storage().sql();
            for statement in TABLES {
                sql.exec(statement, None)?;
            }
            for (table, column, kind) in ADDED_COLUMNS {
                let columns: Vec<serde_json::Value> =
                    store::rows(sql.exec(&format!("PRAGMA table_info({table})"), None)?)?;
                if !columns.iter().any(|c| c["name"] == *column) {
                    sql.exec(
                        &format!("ALTER TABLE {table} ADD COLUMN {column} {kind}"),
                        None,
                    )?;
                }
            }
            for statement in LATER_INDEXES {
                sql.exec(statement, None)?;
            }
            self.schema_ready.set(true);
        }
        Ok(())
    }
}
