//! Booking data for the scenarios: fresh addresses, start times ahead, bodies varied from a base.

use serde_json::Value;
use std::sync::atomic::{AtomicUsize, Ordering};

/// An address no other booking of this test process used. The worker answers an identical
/// keyless submission within 10 minutes with the booking it already made, so scenarios that
/// mean to create a meeting each time need fresh addresses.
pub fn unique_email(label: &str) -> String {
    static SEQUENCE: AtomicUsize = AtomicUsize::new(0);
    let n = SEQUENCE.fetch_add(1, Ordering::Relaxed);
    format!("{label}.{n}@example.com")
}

/// A start time `days` ahead, whole hours, in UTC.
pub fn future_utc(days: i64) -> chrono::DateTime<chrono::Utc> {
    let t = chrono::Utc::now() + chrono::Duration::days(days);
    t.date_naive().and_hms_opt(10, 0, 0).unwrap().and_utc()
}

/// `base` with `extra`'s fields set on it; a `null` in `extra` removes the field.
pub fn merged(mut base: Value, extra: Value) -> Value {
    if let (Some(target), Value::Object(fields)) = (base.as_object_mut(), extra) {
        for (key, value) in fields {
            if value.is_null() {
                target.remove(&key);
            } else {
                target.insert(key, value);
            }
        }
    }
    base
}
