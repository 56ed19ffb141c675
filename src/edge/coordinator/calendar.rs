//! Which host is busy when: the `slots` table. Every query and write here is synchronous SQL, so
//! a check and the write that follows it happen in one step no other request can interleave.

use super::ZoomCoordinator;
use crate::domain::availability::HostCalendar;
use crate::domain::booking::host_pool::Span;
use crate::domain::booking::reconcile::Booked;
use crate::domain::booking::{BookingId, BookingRecord, BookingStatus};
use crate::domain::zoom::HostUser;
use serde::Deserialize;
use worker::{Result, SqlStorageValue};

/// How long past meetings are kept (nothing can be booked in the past; this is just hygiene).
const PAST_SLOT_MEMORY_MS: i64 = 24 * 3600 * 1000;

pub(super) fn booking_holder(booking_id: &BookingId) -> String {
    format!("booking:{booking_id}")
}

pub(super) fn reschedule_holder(booking_id: &BookingId) -> String {
    format!("reschedule:{booking_id}")
}

pub(super) fn external_holder(meeting_id: u64) -> String {
    format!("zoom:{meeting_id}")
}

#[derive(Deserialize)]
struct Count {
    n: f64,
}

#[derive(Deserialize)]
struct SlotRow {
    host: HostUser,
    start_ms: f64,
    end_ms: f64,
}

/// A meeting id as SQLite stores it (Zoom's ids fit well within JavaScript's safe integers).
fn meeting_value(meeting_id: Option<u64>) -> SqlStorageValue {
    meeting_id.map(|id| id as i64).into()
}

impl ZoomCoordinator {
    /// Each of `hosts`' meetings (in `hosts`' order) that overlap `window`, ignoring lapsed
    /// leases and the `except` holders: one range query (`slots_by_end`), for a booking's hold
    /// and for the availability answer alike. `used_today` is left for the caller.
    pub(super) fn host_calendars(
        &self,
        hosts: &[HostUser],
        window: Span,
        now_ms: i64,
        except: &[&str],
    ) -> Result<Vec<HostCalendar>> {
        #[derive(Deserialize)]
        struct Row {
            host: HostUser,
            holder: String,
            start_ms: f64,
            end_ms: f64,
        }
        let rows: Vec<Row> = self.rows(
            "SELECT host, holder, start_ms, end_ms FROM slots WHERE end_ms > ? AND start_ms < ? \
             AND (lease_until_ms IS NULL OR lease_until_ms > ?)",
            vec![window.start_ms.into(), window.end_ms.into(), now_ms.into()],
        )?;
        let mut calendars = vec![HostCalendar::default(); hosts.len()];
        for row in rows
            .into_iter()
            .filter(|r| !except.contains(&r.holder.as_str()))
        {
            // A host outside `hosts` (another type's, or no longer in the pool) is no concern.
            if let Some(i) = hosts.iter().position(|h| *h == row.host) {
                calendars[i].meetings.push(Span {
                    start_ms: row.start_ms as i64,
                    end_ms: row.end_ms as i64,
                });
            }
        }
        Ok(calendars)
    }

    /// Marks `host` busy for `span` under `holder` (replacing what the holder held). A lease
    /// makes the hold lapse on its own if no one confirms it.
    pub(super) fn hold(
        &self,
        holder: &str,
        host: &HostUser,
        span: Span,
        lease_until_ms: Option<i64>,
        meeting_id: Option<u64>,
    ) -> Result<()> {
        self.execute(
            "INSERT OR REPLACE INTO slots \
             (holder, host, start_ms, end_ms, lease_until_ms, meeting_id) \
             VALUES (?, ?, ?, ?, ?, ?)",
            vec![
                holder.into(),
                host.as_str().into(),
                span.start_ms.into(),
                span.end_ms.into(),
                lease_until_ms.into(),
                meeting_value(meeting_id),
            ],
        )
    }

    /// Makes a booking's slot match the booking: held while it stands, free once cancelled.
    pub(super) fn hold_for_booking(&self, record: &BookingRecord) -> Result<()> {
        let holder = booking_holder(&record.booking_id);
        match record.held_span() {
            Some(span) => self.hold(
                &holder,
                &record.host_user,
                span,
                None,
                Some(record.meeting.id),
            ),
            None => self.free(&holder),
        }
    }

    pub(super) fn free(&self, holder: &str) -> Result<()> {
        self.execute("DELETE FROM slots WHERE holder = ?", vec![holder.into()])
    }

    /// The live hold of `holder`: its host and span (a lapsed lease counts as none).
    pub(super) fn held(&self, holder: &str, now_ms: i64) -> Result<Option<(HostUser, Span)>> {
        let rows: Vec<SlotRow> = self.rows(
            "SELECT host, start_ms, end_ms FROM slots WHERE holder = ? \
             AND (lease_until_ms IS NULL OR lease_until_ms > ?)",
            vec![holder.into(), now_ms.into()],
        )?;
        Ok(rows.into_iter().next().map(|r| {
            let span = Span {
                start_ms: r.start_ms as i64,
                end_ms: r.end_ms as i64,
            };
            (r.host, span)
        }))
    }

    /// Replaces everything known about `host`'s meetings made outside the service with Zoom's
    /// current list. Meetings the service booked itself are skipped: they hold their slot as
    /// bookings. Long-past slots are dropped on the way.
    pub(super) fn replace_external(
        &self,
        host: &HostUser,
        meetings: &[(u64, Span)],
        now_ms: i64,
    ) -> Result<usize> {
        self.execute(
            "DELETE FROM slots WHERE host = ? AND holder LIKE 'zoom:%'",
            vec![host.as_str().into()],
        )?;
        self.execute(
            "DELETE FROM slots WHERE end_ms < ?",
            vec![(now_ms - PAST_SLOT_MEMORY_MS).into()],
        )?;
        let mut added = 0;
        for (meeting_id, span) in meetings {
            let ours: Vec<serde_json::Value> = self.rows(
                "SELECT 1 AS one FROM slots WHERE meeting_id = ? AND holder LIKE 'booking:%'",
                vec![meeting_value(Some(*meeting_id))],
            )?;
            if ours.is_empty() {
                let holder = external_holder(*meeting_id);
                self.hold(&holder, host, *span, None, Some(*meeting_id))?;
                added += 1;
            }
        }
        Ok(added)
    }

    /// `host`'s scheduled bookings still ahead (committed: a meeting id, no lease), with when
    /// each one's schedule last changed, for reconciliation.
    pub(super) async fn booked_on(&self, host: &HostUser, now_ms: i64) -> Result<Vec<Booked>> {
        #[derive(Deserialize)]
        struct Row {
            holder: String,
        }
        let rows: Vec<Row> = self.rows(
            "SELECT holder FROM slots WHERE host = ? AND holder LIKE 'booking:%' \
             AND meeting_id IS NOT NULL AND lease_until_ms IS NULL AND end_ms > ?",
            vec![host.as_str().into(), now_ms.into()],
        )?;
        let mut booked = Vec::with_capacity(rows.len());
        for row in rows {
            let Some(id) = row
                .holder
                .strip_prefix("booking:")
                .and_then(BookingId::parse)
            else {
                continue;
            };
            // Only bookings still scheduled: one that started or ended is history, not a plan.
            let record = self.booking_record(&id).await?;
            if let Some(record) = record.filter(|r| r.status == BookingStatus::Scheduled) {
                if let Some(span) = record.held_span() {
                    booked.push(Booked {
                        booking_id: id,
                        meeting_id: record.meeting.id,
                        span,
                        changed_at_ms: record.schedule_changed_at_ms(),
                    });
                }
            }
        }
        Ok(booked)
    }

    /// Meetings made outside the service that `host` has from now on (for the operator status).
    pub(super) fn external_meetings(&self, host: &HostUser, now_ms: i64) -> Result<u32> {
        let rows: Vec<Count> = self.rows(
            "SELECT COUNT(*) AS n FROM slots \
             WHERE host = ? AND holder LIKE 'zoom:%' AND end_ms > ?",
            vec![host.as_str().into(), now_ms.into()],
        )?;
        Ok(rows.first().map_or(0, |r| r.n as u32))
    }

    /// Remembers which configured host a Zoom user id is.
    pub(super) fn learn_host_id(&self, host_id: &str, host: &HostUser) -> Result<()> {
        self.execute(
            "INSERT OR REPLACE INTO zoom_hosts (host_id, host) VALUES (?, ?)",
            vec![host_id.into(), host.as_str().into()],
        )
    }

    /// The configured host a Zoom user id belongs to, if a sync has seen it.
    pub(super) fn host_of(&self, host_id: &str) -> Result<Option<HostUser>> {
        #[derive(Deserialize)]
        struct Row {
            host: HostUser,
        }
        let rows: Vec<Row> = self.rows(
            "SELECT host FROM zoom_hosts WHERE host_id = ?",
            vec![host_id.into()],
        )?;
        Ok(rows.into_iter().next().map(|r| r.host))
    }
}
