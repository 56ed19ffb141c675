//! Attendance kept per participant (`domain::booking::attendance`): the `attendance` table, one
//! row per booking and participant, so a large meeting never grows the booking's record.

use super::{Handle, ZoomCoordinator};
use crate::domain::booking::attendance::{record_presence, AttendanceTotals};
use crate::domain::booking::{Attendance, BookingId, BookingRecord};
use crate::domain::coordinator::GetAttendance;
use crate::domain::webhook::effects;
use crate::domain::webhook::event::MeetingEvent;
use serde::Deserialize;
use worker::Result;

#[derive(Deserialize)]
struct Row {
    entry: String,
}

fn entry_text(entry: &Attendance) -> Result<String> {
    serde_json::to_string(entry).map_err(|e| worker::Error::RustError(e.to_string()))
}

fn entry_from(row: &Row) -> Result<Attendance> {
    serde_json::from_str(&row.entry).map_err(|e| worker::Error::RustError(e.to_string()))
}

impl ZoomCoordinator {
    /// Applies a join or leave to its participant's row and the record's totals (synchronous:
    /// committed together with the record the caller writes next).
    pub(super) fn apply_presence(
        &self,
        record: &mut BookingRecord,
        event: &MeetingEvent,
    ) -> Result<()> {
        let Some((who, presence, at)) = effects::presence(event) else {
            return Ok(());
        };
        let booking_id = &record.booking_id;
        let rows: Vec<Row> = self.rows(
            "SELECT entry FROM attendance WHERE booking_id = ? AND participant = ?",
            vec![booking_id.as_str().into(), who.key.as_str().into()],
        )?;
        let entry = rows.first().map(entry_from).transpose()?;
        match record_presence(&mut record.attendance_totals, entry, who, presence, at) {
            Some(entry) => self.keep_entry(booking_id, &entry),
            None => Ok(()),
        }
    }

    /// Moves attendance stored the old way (inside the record) to rows; the caller writes the
    /// record, now without it, in the same synchronous step.
    pub(super) fn move_old_attendance(&self, record: &mut BookingRecord) -> Result<()> {
        if record.attendance.is_empty() {
            return Ok(());
        }
        let old = std::mem::take(&mut record.attendance);
        let (totals, kept) = AttendanceTotals::of(&old);
        for entry in kept {
            self.keep_entry(&record.booking_id, entry)?;
        }
        record.attendance_totals = record.attendance_totals.plus(totals);
        Ok(())
    }

    fn keep_entry(&self, booking_id: &BookingId, entry: &Attendance) -> Result<()> {
        self.execute(
            // An upsert keeps the row (and its rowid: the order participants were first seen).
            "INSERT INTO attendance (booking_id, participant, entry) VALUES (?, ?, ?) \
             ON CONFLICT (booking_id, participant) DO UPDATE SET entry = excluded.entry",
            vec![
                booking_id.as_str().into(),
                entry.participant.key.as_str().into(),
                entry_text(entry)?.into(),
            ],
        )
    }
}

impl Handle<GetAttendance> for ZoomCoordinator {
    /// The kept entries in the order their participants were first seen.
    async fn handle(&self, ask: GetAttendance) -> Result<Vec<Attendance>> {
        let rows: Vec<Row> = self.rows(
            "SELECT entry FROM attendance WHERE booking_id = ? ORDER BY rowid",
            vec![ask.booking_id.as_str().into()],
        )?;
        rows.iter().map(entry_from).collect()
    }
}
