//! Signing and sending a planned delivery: `POST` with `x-zm-signature` and
//! `x-zm-request-timestamp`, the signature mangled as the plan asks.

use super::Plan;
use hmac::{Hmac, Mac};
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

/// Zoom counts a delivery as failed when no 2xx answer comes within 3 seconds.
pub const ZOOM_ANSWER_BUDGET: Duration = Duration::from_secs(3);

/// What one attempt got: the status (0 when there was no answer: a timeout or a transport
/// error) and the answer's body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub status: u16,
    pub body: String,
    /// The answer's `Retry-After` header, if any.
    pub retry_after: Option<String>,
}

impl Answer {
    /// Only a 2xx stops Zoom from delivering again.
    pub fn acknowledged(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

/// A fresh `x-zm-request-timestamp` and the signature the plan asks for (none when unsigned).
fn signed_headers(plan: &Plan) -> (String, Option<String>) {
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
    (timestamp, signature)
}

fn send_once(plan: &Plan, timestamp: &str, signature: Option<&str>) -> Answer {
    let agent = ureq::AgentBuilder::new()
        .timeout(ZOOM_ANSWER_BUDGET)
        .build();
    let mut request = agent
        .post(&plan.url)
        .set("content-type", "application/json; charset=utf-8")
        .set("user-agent", "Zoom Marketplace/1.0a");
    if let Some(signature) = signature {
        request = request
            .set("x-zm-signature", signature)
            .set("x-zm-request-timestamp", timestamp);
    }
    match request.send_bytes(&plan.body) {
        Ok(r) | Err(ureq::Error::Status(_, r)) => {
            let status = r.status();
            let retry_after = r.header("retry-after").map(str::to_owned);
            let mut body = String::new();
            let _ = r.into_reader().take(1 << 20).read_to_string(&mut body);
            Answer {
                status,
                body,
                retry_after,
            }
        }
        Err(e) => Answer {
            status: 0,
            body: format!("transport error: {e}"),
            retry_after: None,
        },
    }
}

/// One redelivery, as Zoom makes it: the same bytes under a fresh timestamp and signature.
pub fn redeliver(plan: &Plan) -> Answer {
    let (timestamp, signature) = signed_headers(plan);
    send_once(plan, &timestamp, signature.as_deref())
}

/// Sends the planned deliveries (`times` of them: the same bytes and headers each time, as a
/// repeated delivery would carry), returning the timestamp they carried and each answer.
pub fn deliver(plan: &Plan) -> (String, Vec<Answer>) {
    if plan.align_to_second {
        // Start just after a second boundary, so the receiver reads the same second.
        let into_second = wall_ms().rem_euclid(1000);
        thread::sleep(Duration::from_millis((1010 - into_second) as u64));
    }
    let (timestamp, signature) = signed_headers(plan);
    let answers = (0..plan.times)
        .map(|_| send_once(plan, &timestamp, signature.as_deref()))
        .collect();
    (timestamp, answers)
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
