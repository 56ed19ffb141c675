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
//! The answer lists what the first delivery got (`deliveries`, one per `times`: `status`, `body`,
//! `retry_after`), its `delivery` number and whether a redelivery is scheduled.
//!
//! **Redelivery, as Zoom does it.** When no answer to the first delivery is a 2xx (a non-2xx, no
//! answer within Zoom's 3 seconds, or a transport error), the emulator delivers again, in the
//! background, up to three times: each retry a gap after the previous attempt, Zoom's 5, 20 and
//! 60 minutes ("the first retry 5 minutes after the initial attempt, the second 20 minutes after
//! the first retry, the third 60 minutes after the second"), stopping at the first 2xx. A retry
//! carries the same bytes under a fresh `x-zm-request-timestamp` and signature (signed, or
//! mangled, as the first was). Tests scale the gaps down with `Settings::webhook_retry_gaps_ms`
//! (`--webhook-retry-scale N` divides Zoom's gaps by N; an empty list turns retries off).
//! `GET /_emulator/webhooks/deliveries` lists every attempt since the last reset
//! (`{"attempts":[{"delivery","attempt","status","body","at_ms"}],"pending":N}`, attempt 0 the
//! first delivery, status 0 no answer); `POST /_emulator/reset` forgets them and cancels every
//! pending retry.
//!
//! - `events`: the bodies, shaped as Zoom shapes each event;
//! - `delivery`: signing and sending them;
//! - `redelivery`: Zoom's retries and the log of attempts.

mod delivery;
mod events;
mod redelivery;

pub use delivery::{deliver, sign, Answer};
pub use redelivery::{deliver_and_follow_up, DeliveryLog, ZOOM_RETRY_GAPS_MS};

use crate::state::State;
use serde_json::Value;

/// One prepared delivery (built under the state lock, sent without it).
#[derive(Debug, Clone)]
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
