//! Delivering Zoom-shaped, signed webhook events to a URL, the way Zoom does: `POST` with
//! `x-zm-signature` and `x-zm-request-timestamp`. Tests ask for deliveries through
//! `POST /_emulator/webhooks/deliver`; the options cover what Zoom (or an attacker) could send.
//!
//! ```json
//! {"event": "meeting.started", "meeting_id": 123, "event_ts": 1700000000000,
//!  "object": {…merged into payload.object…}, "participant": {…}, "plain_token": "…",
//!  "signature": "valid|wrong_secret|other_body|missing|garbled|no_prefix",
//!  "secret": "…", "timestamp_offset_secs": 0, "align_to_second": false, "times": 1,
//!  "url": "…", "raw_body": "…"}
//! ```
//!
//! - `events`: the bodies, shaped as Zoom shapes each event;
//! - `delivery`: signing and sending them.

mod delivery;
mod events;

pub use delivery::{deliver, sign};

use crate::state::State;
use serde_json::Value;

/// One prepared delivery (built under the state lock, sent without it).
pub struct Plan {
    url: String,
    body: Vec<u8>,
    /// (secret to sign with, or none for unsigned), how to mangle the signature.
    secret: String,
    mode: String,
    timestamp_offset_secs: i64,
    align_to_second: bool,
    times: u32,
}

pub fn plan(state: &State, request: &Value) -> Result<Plan, String> {
    let url = request
        .get("url")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .or_else(|| state.settings.webhook_url.clone())
        .ok_or("no 'url' given and no --webhook-url configured")?;
    let body = match request.get("raw_body").and_then(Value::as_str) {
        Some(raw) => raw.as_bytes().to_vec(),
        None => events::envelope(state, request)?.to_string().into_bytes(),
    };
    Ok(Plan {
        url,
        body,
        secret: request
            .get("secret")
            .and_then(Value::as_str)
            .unwrap_or(&state.settings.webhook_secret)
            .to_owned(),
        mode: request
            .get("signature")
            .and_then(Value::as_str)
            .unwrap_or("valid")
            .to_owned(),
        timestamp_offset_secs: request
            .get("timestamp_offset_secs")
            .and_then(Value::as_i64)
            .unwrap_or(0),
        align_to_second: request
            .get("align_to_second")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        times: request
            .get("times")
            .and_then(Value::as_u64)
            .unwrap_or(1)
            .clamp(1, 10) as u32,
    })
}
