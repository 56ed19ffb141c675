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

thread_local! {
    /// Formatters by zone name: building one is far dearer than using it.
    static FORMATTERS: RefCell<HashMap<String, DateTimeFormat>> = RefCell::new(HashMap::new());
}

/// A formatter that writes an instant as the zone's wall-clock fields, 24-hour, in digits.
fn formatter(zone_name: &str) -> Option<DateTimeFormat> {
    if let Some(cached) = FORMATTERS.with(|f| f.borrow().get(zone_name).cloned()) {
        return Some(cached);
    }
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
    let made = date_time_format(&JsValue::from_str("en-US"), &options).ok()?;
    FORMATTERS.with(|f| f.borrow_mut().insert(zone_name.to_owned(), made.clone()));
    Some(made)
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
        let made = formatter(name)?;
        let resolved = Reflect::get(&made.resolved_options(), &JsValue::from_str("timeZone"))
            .ok()
            .and_then(|v| v.as_string())
            .unwrap_or_default();
        // ICU may resolve a name to an older alias (Asia/Kolkata → Asia/Calcutta): keep the
        // name as sent unless only its letter case differs.
        if resolved.eq_ignore_ascii_case(name) {
            Some(Zone::known(resolved))
        } else {
            Some(Zone::known(name))
        }
    }

    fn offset_seconds(&self, zone: &Zone, instant: DateTime<Utc>) -> i32 {
        formatter(zone.name())
            .and_then(|f| wall_clock_seconds(&f, instant))
            .map_or(0, |wall| (wall - instant.timestamp()) as i32)
    }
}
