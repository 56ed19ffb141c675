//! The runtime's zone database (`Intl.DateTimeFormat`, backed by the ICU tables every workerd
//! already has), as `domain::time_zone::ZoneRules`. Shipping chrono-tz's copy of the IANA tables
//! instead would make up most of the deployable's size.

use crate::domain::time_zone::{is_zone_name, Zone, ZoneRules};
use chrono::{DateTime, NaiveDate, Utc};
use js_sys::{Array, Date, Intl::DateTimeFormat, Object, Reflect};
use std::cell::RefCell;
use std::collections::HashMap;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// `Intl.DateTimeFormat(locales, options)`: throws a `RangeError` for an unknown zone, which
    /// js-sys's binding would turn into a trap.
    #[wasm_bindgen(catch, js_namespace = Intl, js_name = DateTimeFormat)]
    fn date_time_format(locales: &JsValue, options: &Object) -> Result<DateTimeFormat, JsValue>;
}

/// Formatters kept at most. A deployment's guests use a handful of zones; the bound only stops
/// strangers' requests (a zone name is unauthenticated input) from growing memory.
pub(crate) const MAX_FORMATTERS: usize = 64;

/// A formatter with the name it is kept under and the zone ICU resolved it to.
#[derive(Clone)]
struct Cached {
    name: String,
    resolved: String,
    formatter: DateTimeFormat,
}

thread_local! {
    /// Formatters, least recently used first: building one is far dearer than using it. ICU
    /// matches zone names ignoring case, and so does this cache: `europe/LONDON` finds the entry
    /// of `Europe/London` (kept under its canonical name) instead of adding one, and past
    /// [`MAX_FORMATTERS`] the least recently used entry goes.
    static FORMATTERS: RefCell<Vec<Cached>> = const { RefCell::new(Vec::new()) };
}

/// How many formatters are kept (for tests).
#[cfg(test)]
pub(crate) fn cached_formatters() -> usize {
    FORMATTERS.with(|f| f.borrow().len())
}

/// The formatter for `zone_name`, from the cache or made (and kept).
fn cached(zone_name: &str) -> Option<Cached> {
    let hit = FORMATTERS.with(|f| {
        let mut kept = f.borrow_mut();
        let at = kept
            .iter()
            .position(|c| c.name.eq_ignore_ascii_case(zone_name))?;
        let entry = kept.remove(at);
        kept.push(entry.clone());
        Some(entry)
    });
    if hit.is_some() {
        return hit;
    }
    let formatter = made(zone_name)?;
    let resolved = Reflect::get(
        &formatter.resolved_options(),
        &JsValue::from_str("timeZone"),
    )
    .ok()
    .and_then(|v| v.as_string())
    .unwrap_or_default();
    let entry = Cached {
        name: canonical_name(zone_name, &resolved).to_owned(),
        resolved,
        formatter,
    };
    FORMATTERS.with(|f| {
        let mut kept = f.borrow_mut();
        if kept.len() >= MAX_FORMATTERS {
            kept.remove(0);
        }
        kept.push(entry.clone());
    });
    Some(entry)
}

/// The name a zone goes by: ICU's when only the letter case differs. ICU may resolve a name to
/// an older alias (Asia/Kolkata → Asia/Calcutta): then the name as sent is kept.
fn canonical_name<'a>(requested: &'a str, resolved: &'a str) -> &'a str {
    if resolved.eq_ignore_ascii_case(requested) {
        resolved
    } else {
        requested
    }
}

/// A formatter that writes an instant as the zone's wall-clock fields, 24-hour, in digits.
fn made(zone_name: &str) -> Option<DateTimeFormat> {
    let options = Object::new();
    let set = |key: &str, value: &str| {
        Reflect::set(&options, &JsValue::from_str(key), &JsValue::from_str(value)).is_ok()
    };
    let all_set = set("timeZone", zone_name)
        && set("hourCycle", "h23")
        && ["year", "month", "day", "hour", "minute", "second"]
            .iter()
            .all(|field| set(field, "numeric"));
    if !all_set {
        return None;
    }
    date_time_format(&JsValue::from_str("en-US"), &options).ok()
}

/// The zone's wall clock at `instant`, as seconds since the epoch "as if UTC".
fn wall_clock_seconds(formatter: &DateTimeFormat, instant: DateTime<Utc>) -> Option<i64> {
    let date = Date::new(&JsValue::from_f64(instant.timestamp() as f64 * 1000.0));
    let parts: Array = formatter.format_to_parts(&date);
    let mut fields = HashMap::new();
    for part in parts.iter() {
        let kind = Reflect::get(&part, &JsValue::from_str("type"))
            .ok()?
            .as_string()?;
        let value = Reflect::get(&part, &JsValue::from_str("value"))
            .ok()?
            .as_string()?;
        if let Ok(number) = value.parse::<u32>() {
            fields.insert(kind, number);
        }
    }
    let field = |name: &str| fields.get(name).copied();
    let year = i32::try_from(field("year")?).ok()?;
    // Some engines write midnight as 24 even with `h23`.
    let hour = field("hour")? % 24;
    let local = NaiveDate::from_ymd_opt(year, field("month")?, field("day")?)?.and_hms_opt(
        hour,
        field("minute")?,
        field("second")?,
    )?;
    Some(local.and_utc().timestamp())
}

/// `Intl`'s zone database.
pub struct IntlZones;

impl ZoneRules for IntlZones {
    fn zone(&self, name: &str) -> Option<Zone> {
        if !is_zone_name(name) {
            return None;
        }
        let entry = cached(name)?;
        Some(Zone::known(canonical_name(name, &entry.resolved)))
    }

    fn offset_seconds(&self, zone: &Zone, instant: DateTime<Utc>) -> i32 {
        cached(zone.name())
            .and_then(|c| wall_clock_seconds(&c.formatter, instant))
            .map_or(0, |wall| (wall - instant.timestamp()) as i32)
    }
}
