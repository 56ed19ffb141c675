//! Time and randomness from the JS runtime (wasm32 has no `SystemTime::now()`).

use chrono::{DateTime, Utc};

pub fn now_ms() -> i64 {
    js_sys::Date::now() as i64
}

pub fn now() -> DateTime<Utc> {
    DateTime::from_timestamp_millis(now_ms()).unwrap_or_default()
}

/// 128 bits from `crypto.getRandomValues`.
pub fn random_128() -> Result<[u8; 16], getrandom::Error> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes)?;
    Ok(bytes)
}

/// 64 bits from `crypto.getRandomValues` (a generated meeting passcode).
pub fn random_64() -> Result<[u8; 8], getrandom::Error> {
    let mut bytes = [0u8; 8];
    getrandom::fill(&mut bytes)?;
    Ok(bytes)
}
