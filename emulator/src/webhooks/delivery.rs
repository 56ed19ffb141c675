//! Signing and sending a planned delivery: `POST` with `x-zm-signature` and
//! `x-zm-request-timestamp`, the signature mangled as the plan asks.

use super::Plan;
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;
use std::io::Read;
use std::thread;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

pub fn sign(secret: &str, timestamp: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(format!("v0:{timestamp}:").as_bytes());
    mac.update(body);
    let digest = mac.finalize().into_bytes();
    format!(
        "v0={}",
        digest
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    )
}

fn wall_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// Sends the planned deliveries (the same bytes and headers each time, as a Zoom retry would).
pub fn deliver(plan: &Plan) -> Value {
    if plan.align_to_second {
        // Start just after a second boundary, so the receiver reads the same second.
        let into_second = wall_ms().rem_euclid(1000);
        thread::sleep(Duration::from_millis((1010 - into_second) as u64));
    }
    let timestamp = (wall_ms().div_euclid(1000) + plan.timestamp_offset_secs).to_string();
    let signature = match plan.mode.as_str() {
        "wrong_secret" => Some(sign("not-the-configured-secret", &timestamp, &plan.body)),
        "other_body" => Some(sign(
            &plan.secret,
            &timestamp,
            b"{\"event\":\"something.else\"}",
        )),
        "garbled" => Some(format!("v0={}", "zz".repeat(32))),
        "no_prefix" => Some(sign(&plan.secret, &timestamp, &plan.body)[3..].to_owned()),
        "missing" => None,
        _ => Some(sign(&plan.secret, &timestamp, &plan.body)),
    };
    let agent = ureq::AgentBuilder::new()
        .timeout(Duration::from_secs(30))
        .build();
    let mut deliveries = Vec::new();
    for _ in 0..plan.times {
        let mut request = agent
            .post(&plan.url)
            .set("content-type", "application/json; charset=utf-8")
            .set("user-agent", "Zoom Marketplace/1.0a");
        if let Some(signature) = &signature {
            request = request
                .set("x-zm-signature", signature)
                .set("x-zm-request-timestamp", &timestamp);
        }
        let (status, body) = match request.send_bytes(&plan.body) {
            Ok(r) | Err(ureq::Error::Status(_, r)) => {
                let status = r.status();
                let mut text = String::new();
                let _ = r.into_reader().take(1 << 20).read_to_string(&mut text);
                (status, text)
            }
            Err(e) => (0, format!("transport error: {e}")),
        };
        deliveries.push(json!({ "status": status, "body": body }));
    }
    json!({
        "deliveries": deliveries,
        "sent_body": String::from_utf8_lossy(&plan.body),
        "timestamp": timestamp,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_matches_zoom_documentation_formula() {
        // hex(HMAC-SHA256("secret", "v0:1700000000:{}")), computed with Python's hmac module.
        assert_eq!(
            sign("secret", "1700000000", b"{}"),
            "v0=84dd7b277ba946b3a34369b43499bfd9258b410b8894583f1288b1911aa6a6d6"
        );
    }
}
