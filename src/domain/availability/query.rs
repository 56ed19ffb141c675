//! `GET /v1/availability`: reading the question and writing the answer.

use super::grid::{day_start, Offer};
use crate::domain::api_error::{ApiError, FieldError, FieldErrorKind};
use crate::domain::booking::request::{
    parse_duration, parse_timezone, parse_type, BodyKind, RawFields,
};
use crate::domain::event_types::schema::parse_date;
use crate::domain::event_types::{EventType, EventTypes};
use crate::domain::time_zone::{Sampled, Zone, ZoneRules};
use chrono::{DateTime, Datelike, Duration, NaiveDate, Timelike, Utc};
use serde_json::{json, Value};

/// Most days one question may cover, `from` and `to` included.
pub const MAX_RANGE_DAYS: i64 = 62;

/// A checked question.
#[derive(Debug)]
pub struct Question<'t> {
    pub event_type: &'t EventType,
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// The zone `from`, `to` and the answer's times are in.
    pub timezone: Zone,
    pub duration_minutes: u32,
    /// The zone the type's hours are read in.
    pub hours_zone: Zone,
}

/// Reads the query string (`type`, `from`, `to`, `timezone`, `duration`) by the booking
/// fields' own rules. `Err` of a type's unknown hours zone is the configuration's fault
/// (`not_configured`), not the asker's.
pub fn parse<'t>(
    query: &str,
    types: &'t EventTypes,
    zones: &dyn ZoneRules,
    default_timezone: &Zone,
) -> Result<Question<'t>, ApiError> {
    let fields = RawFields::from_body(BodyKind::Form, query.as_bytes())?;
    let event_type = parse_type(&fields, types)?;
    let hours_zone =
        hours_zone(event_type, zones, default_timezone).ok_or_else(|| ApiError::NotConfigured {
            problems: vec![format!(
                "event type '{}': its availability.timezone is not a known time zone",
                event_type.slug()
            )],
        })?;
    let timezone = parse_timezone(&fields, &hours_zone, zones)?;
    let duration_minutes = parse_duration(&fields, event_type)?;
    let from = date_field(&fields, "from")?;
    let to = date_field(&fields, "to")?;
    if to < from {
        return Err(FieldError::new(
            "to",
            FieldErrorKind::WrongType,
            "'to' must not be before 'from'.",
        )
        .into());
    }
    if (to - from).num_days() + 1 > MAX_RANGE_DAYS {
        return Err(FieldError::new(
            "to",
            FieldErrorKind::RangeTooLong,
            format!("At most {MAX_RANGE_DAYS} days from 'from' to 'to', both included."),
        )
        .into());
    }
    Ok(Question {
        event_type,
        from,
        to,
        timezone,
        duration_minutes,
        hours_zone,
    })
}

/// The zone `event_type`'s hours are read in: its `availability.timezone`, else `default`.
/// `None` when that zone is unknown to `zones`.
pub fn hours_zone(event_type: &EventType, zones: &dyn ZoneRules, default: &Zone) -> Option<Zone> {
    match event_type
        .availability()
        .and_then(|a| a.timezone.as_deref())
    {
        Some(name) => zones.zone(name),
        None => Some(default.clone()),
    }
}

fn date_field(fields: &RawFields, name: &'static str) -> Result<NaiveDate, FieldError> {
    let text = fields.required_text(name)?;
    parse_date(&text)
        .and_then(|(y, m, d)| NaiveDate::from_ymd_opt(y, m, d))
        .ok_or_else(|| {
            FieldError::new(
                name,
                FieldErrorKind::WrongType,
                format!("'{name}' must be a date YYYY-MM-DD."),
            )
        })
}

impl Question<'_> {
    /// The rules of the question's type and length.
    pub fn offer<'a>(&'a self, zones: &'a dyn ZoneRules, now: DateTime<Utc>) -> Offer<'a> {
        Offer::new(
            self.event_type,
            self.duration_minutes,
            self.hours_zone.clone(),
            zones,
            now,
        )
    }

    /// `[first instant of from, first instant of the day after to)` in the question's zone.
    pub fn window(&self, zones: &dyn ZoneRules) -> (DateTime<Utc>, DateTime<Utc>) {
        let after = self.to.succ_opt().unwrap_or(self.to);
        (
            day_start(zones, &self.timezone, self.from),
            day_start(zones, &self.timezone, after),
        )
    }

    /// The answer: every date of the range, each with its free starts (ascending, in the
    /// question's zone with its offset).
    /// `window` is [`Question::window`], as the caller already computed it for the
    /// candidates (each `day_start` is several zone lookups).
    pub fn answer(
        &self,
        zones: &dyn ZoneRules,
        window: (DateTime<Utc>, DateTime<Utc>),
        free: &[DateTime<Utc>],
    ) -> Value {
        let (from, to) = window;
        let sampled = Sampled::over(zones, &self.timezone, from, to);
        let mut days: Vec<(NaiveDate, Vec<String>)> = Vec::new();
        let mut date = self.from;
        while date <= self.to {
            days.push((date, Vec::new()));
            let Some(next) = date.succ_opt() else { break };
            date = next;
        }
        for t in free {
            let offset = sampled.offset_seconds(&self.timezone, *t);
            let local = (*t + Duration::seconds(i64::from(offset))).naive_utc();
            let index = usize::try_from((local.date() - self.from).num_days()).ok();
            if let Some(day) = index.and_then(|i| days.get_mut(i)) {
                day.1.push(rfc3339(local, offset));
            }
        }
        json!({
            "type": self.event_type.slug(),
            "timezone": self.timezone.name(),
            "duration": self.duration_minutes,
            "days": days
                .into_iter()
                .map(|(date, slots)| json!({"date": iso_date(date), "slots": slots}))
                .collect::<Vec<_>>(),
        })
    }
}

fn iso_date(date: NaiveDate) -> String {
    format!("{:04}-{:02}-{:02}", date.year(), date.month(), date.day())
}

/// `YYYY-MM-DDTHH:MM:SS±hh:mm`, never `Z` (written by hand: chrono's formatter is large).
pub fn rfc3339(local: chrono::NaiveDateTime, offset_seconds: i32) -> String {
    let sign = if offset_seconds < 0 { '-' } else { '+' };
    let minutes = offset_seconds.unsigned_abs() / 60;
    format!(
        "{}T{:02}:{:02}:{:02}{sign}{:02}:{:02}",
        iso_date(local.date()),
        local.hour(),
        local.minute(),
        local.second(),
        minutes / 60,
        minutes % 60
    )
}
