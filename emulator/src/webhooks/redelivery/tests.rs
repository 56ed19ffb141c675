//! Redelivery against a scripted receiver on loopback: each test's receiver answers the
//! statuses it is given, in order, and remembers what it was sent.

use super::*;
use crate::http::{EmuRequest, Reply};
use crate::state::Settings;
use crate::webhooks::sign;
use crate::Emulator;
use std::collections::VecDeque;
use std::net::TcpListener;

const SECRET: &str = "redelivery-test-secret";

/// A receiver answering `script` in order (the last status from then on), its first answer held
/// back `first_delay_ms`; returns its URL and the requests it got.
fn receiver(script: &[u16], first_delay_ms: u64) -> (String, Arc<Mutex<Vec<EmuRequest>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let script = Arc::new(Mutex::new(script.iter().copied().collect::<VecDeque<_>>()));
    let log = Arc::clone(&seen);
    thread::spawn(move || {
        crate::server::serve_forever(listener, move |req: &EmuRequest| {
            log.lock().unwrap().push(req.clone());
            let mut script = script.lock().unwrap();
            let status = if script.len() > 1 {
                script.pop_front().unwrap()
            } else {
                script[0]
            };
            let mut reply = Reply::json(status, json!({ "status": status }));
            if log.lock().unwrap().len() == 1 {
                reply.delay_ms = first_delay_ms;
            }
            reply
        })
    });
    (url, seen)
}

fn emulator(gaps_ms: &[u64]) -> Emulator {
    let settings = Settings {
        webhook_secret: SECRET.into(),
        webhook_retry_gaps_ms: gaps_ms.to_vec(),
        ..Settings::default()
    };
    Emulator::new(settings, "http://emu".into())
}

fn deliver(emulator: &Emulator, url: &str) -> Value {
    let request = EmuRequest::new("POST", "/_emulator/webhooks/deliver").json_body(&json!({
        "event": "meeting.deleted", "meeting_id": 42, "event_ts": 7, "url": url,
    }));
    let reply = emulator.dispatch(&request);
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    reply.body.unwrap()
}

fn listing(emulator: &Emulator) -> Value {
    let reply = emulator.dispatch(&EmuRequest::new("GET", "/_emulator/webhooks/deliveries"));
    reply.body.unwrap()
}

/// Polls the listing until no redelivery is pending (with a deadline); returns its attempts as
/// (attempt, status).
fn settled(emulator: &Emulator) -> Vec<(u64, u64)> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let listing = listing(emulator);
        if listing["pending"] == 0 {
            return listing["attempts"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| {
                    (
                        a["attempt"].as_u64().unwrap(),
                        a["status"].as_u64().unwrap(),
                    )
                })
                .collect();
        }
        assert!(Instant::now() < deadline, "still pending: {listing}");
        thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn a_refused_delivery_is_redelivered_until_a_2xx_and_then_never_again() {
    let (url, seen) = receiver(&[503, 500, 200], 0);
    let emulator = emulator(&[30, 30, 30]);
    let first = deliver(&emulator, &url);
    assert_eq!(first["deliveries"][0]["status"], 503);
    assert_eq!(first["redelivery_scheduled"], true);
    assert_eq!(settled(&emulator), [(0, 503), (1, 500), (2, 200)]);
    // The retries stopped at the 200: the receiver saw exactly three requests.
    assert_eq!(seen.lock().unwrap().len(), 3);
}

#[test]
fn an_acknowledged_delivery_is_never_redelivered() {
    let (url, seen) = receiver(&[200], 0);
    let emulator = emulator(&[1, 1, 1]);
    let first = deliver(&emulator, &url);
    assert_eq!(first["redelivery_scheduled"], false);
    assert_eq!(settled(&emulator), [(0, 200)]);
    assert_eq!(seen.lock().unwrap().len(), 1);
}

#[test]
fn zoom_gives_up_after_three_retries() {
    let (url, seen) = receiver(&[503], 0);
    let emulator = emulator(&[5, 5, 5]);
    deliver(&emulator, &url);
    assert_eq!(settled(&emulator), [(0, 503), (1, 503), (2, 503), (3, 503)]);
    assert_eq!(seen.lock().unwrap().len(), 4);
}

#[test]
fn a_transport_error_counts_as_a_failure_and_is_redelivered() {
    // A port nobody listens on: the connection is refused.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let emulator = emulator(&[5, 5, 5]);
    let first = deliver(&emulator, &format!("http://127.0.0.1:{port}/hook"));
    assert_eq!(first["deliveries"][0]["status"], 0);
    assert_eq!(settled(&emulator), [(0, 0), (1, 0), (2, 0), (3, 0)]);
}

#[test]
fn no_answer_within_zooms_three_seconds_counts_as_a_failure() {
    // 3.5 s for the first answer, then a prompt 200.
    let (url, seen) = receiver(&[200], 3_500);
    let emulator = emulator(&[10, 10, 10]);
    let first = deliver(&emulator, &url);
    assert_eq!(first["deliveries"][0]["status"], 0, "{first}");
    assert_eq!(first["redelivery_scheduled"], true);
    // The receiver did answer 200 to the first request, but too late: Zoom delivers again.
    assert_eq!(settled(&emulator), [(0, 0), (1, 200)]);
    assert_eq!(seen.lock().unwrap().len(), 2);
}

#[test]
fn a_redelivery_is_the_same_bytes_under_a_fresh_timestamp_and_signature() {
    let (url, seen) = receiver(&[503, 200], 0);
    // Over a second apart, so the two timestamps differ.
    let emulator = emulator(&[1_100]);
    deliver(&emulator, &url);
    assert_eq!(settled(&emulator), [(0, 503), (1, 200)]);
    let seen = seen.lock().unwrap();
    let (first, retry) = (&seen[0], &seen[1]);
    assert_eq!(first.body, retry.body);
    let timestamp = |r: &EmuRequest| r.get_header("x-zm-request-timestamp").unwrap().to_owned();
    assert_ne!(timestamp(first), timestamp(retry));
    for request in [first, retry] {
        assert_eq!(
            request.get_header("x-zm-signature").unwrap(),
            sign(SECRET, &timestamp(request), &request.body)
        );
    }
}

#[test]
fn reset_forgets_the_attempts_and_cancels_pending_redeliveries() {
    let (url, seen) = receiver(&[503], 0);
    let emulator = emulator(&[300, 300, 300]);
    deliver(&emulator, &url);
    assert_eq!(listing(&emulator)["pending"], 1);
    let reset = emulator.dispatch(&EmuRequest::new("POST", "/_emulator/reset"));
    assert_eq!(reset.status, 200);
    assert_eq!(listing(&emulator), json!({ "attempts": [], "pending": 0 }));
    // Past the first retry's due time: it was never sent.
    thread::sleep(Duration::from_millis(700));
    assert_eq!(seen.lock().unwrap().len(), 1);
    assert_eq!(listing(&emulator)["attempts"], json!([]));
}

#[test]
fn zooms_gaps_are_5_then_20_then_60_minutes_and_tests_scale_them_down() {
    assert_eq!(
        Settings::default().webhook_retry_gaps_ms,
        [300_000, 1_200_000, 3_600_000]
    );
    assert_eq!(
        Settings::default()
            .webhook_retries_scaled(100)
            .webhook_retry_gaps_ms,
        [3_000, 12_000, 36_000]
    );
}
