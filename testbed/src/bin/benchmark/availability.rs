//! The availability figures (issue 15): `GET /v1/availability` for 31 days of a type with
//! working hours on 3 hosts that hold 300 meetings in that window, one request at a time,
//! against the target (p50 ≤ 25 ms through the worker), beside variants that show where the
//! time goes.
//!
//! Its own stack: the booking figures' stacks stay as they were, so those stay comparable.

use serde_json::{json, Value};
use std::time::Instant;
use testbed::{run_concurrently, send_with, Stack};

/// The issue's target for the 31-day answer through the worker.
const TARGET_P50_MS: f64 = 25.0;
/// Meetings on the three hosts' calendars within the window.
const MEETINGS: usize = 300;
/// Days asked for (both ends included).
const WINDOW_DAYS: i64 = 31;

/// The three hosts of `workday`, and one more that only `idle` uses (its calendar stays empty).
const HOSTS: [&str; 3] = [
    "bench-a@example.com",
    "bench-b@example.com",
    "bench-c@example.com",
];
const IDLE_HOST: &str = "bench-idle@example.com";

/// Mon–Fri 08:00–18:00 Berlin, 30-minute slots, 10 minutes kept free after every meeting.
const HOURS: &str = r#"{"timezone": "Europe/Berlin",
    "weekly": {"mon": ["08:00-18:00"], "tue": ["08:00-18:00"], "wed": ["08:00-18:00"],
               "thu": ["08:00-18:00"], "fri": ["08:00-18:00"]},
    "slot_step_minutes": 30,
    "buffer_after_minutes": 10}"#;

fn booking_types() -> String {
    let hosts = serde_json::to_string(&HOSTS).unwrap();
    format!(
        r#"[
  {{"slug": "workday", "title": "Workday", "durations": [30], "default_duration": 30,
    "hosts": {hosts}, "availability": {HOURS}}},
  {{"slug": "idle", "title": "Idle host", "durations": [30], "default_duration": 30,
    "hosts": ["{IDLE_HOST}"], "availability": {HOURS}}},
  {{"slug": "anytime", "title": "Any time", "durations": [30], "default_duration": 30,
    "hosts": {hosts}}}
]"#
    )
}

/// The booking figures' options plus the types, one meeting at a time per host (so meetings
/// take slots away), and no read limit (the run reads far more than 120 a minute).
fn options(base: testbed::StackOptions) -> testbed::StackOptions {
    let mut all_hosts: Vec<String> = HOSTS.iter().map(|h| h.to_string()).collect();
    all_hosts.push(IDLE_HOST.into());
    let mut options = base
        .var("ZOOM_HOST_USER", &all_hosts.join(","))
        .var("BOOKING_TYPES", &booking_types())
        .var("ZOOM_HOST_MAX_CONCURRENT", "1")
        .var("AVAILABILITY_LIMIT_PER_IP", "off");
    options.emulator.users = all_hosts;
    options
}

fn ask(stack: &Stack, query: &str) -> (f64, u16, String) {
    let url = format!("{}/v1/availability?{query}", stack.worker);
    let t = Instant::now();
    let answer = send_with(&stack.agent, "GET", &url, &[], b"");
    (
        t.elapsed().as_secs_f64() * 1000.0,
        answer.status,
        answer.body,
    )
}

/// Every slot of an answer, with its date.
fn slots(body: &str) -> Vec<String> {
    let answer: Value = serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {body}"));
    answer["days"]
        .as_array()
        .unwrap_or_else(|| panic!("no days: {answer}"))
        .iter()
        .flat_map(|day| day["slots"].as_array().cloned().unwrap_or_default())
        .map(|s| s.as_str().unwrap_or_default().to_owned())
        .collect()
}

fn query(slug: &str, from: chrono::NaiveDate, days: i64) -> String {
    let to = from + chrono::Duration::days(days - 1);
    format!("type={slug}&from={from}&to={to}&timezone=Europe/Berlin")
}

/// Books `MEETINGS` meetings through the API, 8 at a time, on the slots `workday` lists now:
/// spread over every working day of the window, three at a start (one per host) on every
/// other slot from 08:00, so a morning fills up as on a busy team's calendar.
fn seed(stack: &Stack, window: &str) -> usize {
    let (_, status, body) = ask(stack, window);
    assert_eq!(status, 200, "{body}");
    let answer: Value = serde_json::from_str(&body).unwrap();
    let days: Vec<Vec<String>> = answer["days"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            d["slots"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s.as_str().unwrap().to_owned())
                .collect()
        })
        .filter(|s: &Vec<String>| s.len() >= 20)
        .collect();
    assert!(
        !days.is_empty(),
        "no full working day in the window: {body}"
    );
    let starts: Vec<&String> = (0..MEETINGS)
        .map(|i| {
            let (day, nth) = (i % days.len(), i / days.len());
            &days[day][2 * (nth / HOSTS.len())]
        })
        .collect();
    let results = run_concurrently(8, MEETINGS, |i| {
        let body = json!({"name": format!("Seed {i}"), "email": format!("seed{i}@example.com"),
            "type": "workday", "start_time": starts[i]});
        let answer = stack.book_json(&body);
        (answer.status == 201).then_some(()).ok_or(answer.body)
    });
    let refused: Vec<String> = results.into_iter().filter_map(Result::err).collect();
    assert!(refused.is_empty(), "seed bookings refused: {refused:?}");
    MEETINGS
}

struct Case {
    name: &'static str,
    latencies_ms: Vec<f64>,
    elapsed_s: f64,
    slots: usize,
    errors: usize,
    target: bool,
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((p / 100.0) * (sorted.len() as f64 - 1.0)).round() as usize]
}

/// `requests` reads of `path` one after another; the slots of the last answer.
fn measure(stack: &Stack, name: &'static str, path: &str, requests: usize, target: bool) -> Case {
    let url = format!("{}{path}", stack.worker);
    // One unmeasured read first: the isolate and the coordinator warm, as a page's first load.
    let _ = send_with(&stack.agent, "GET", &url, &[], b"");
    let started = Instant::now();
    let (mut latencies_ms, mut errors, mut last) = (Vec::new(), 0, String::new());
    for _ in 0..requests {
        let t = Instant::now();
        let answer = send_with(&stack.agent, "GET", &url, &[], b"");
        latencies_ms.push(t.elapsed().as_secs_f64() * 1000.0);
        if answer.status != 200 {
            errors += 1;
        }
        last = answer.body;
    }
    let elapsed_s = started.elapsed().as_secs_f64();
    latencies_ms.sort_by(|a, b| a.total_cmp(b));
    let slots = if path.starts_with("/v1/availability") {
        slots(&last).len()
    } else {
        0
    };
    Case {
        name,
        latencies_ms,
        elapsed_s,
        slots,
        errors,
        target,
    }
}

impl Case {
    fn print(&self) {
        let p = |q| percentile(&self.latencies_ms, q);
        println!(
            "| {:<44} | {:>4} | {:>8} | {:>6.1} | {:>6.1} | {:>6.1} | {:>6.1} | {:>5} | {:>10} | {:>6} |",
            self.name,
            1,
            self.latencies_ms.len(),
            self.latencies_ms.len() as f64 / self.elapsed_s,
            p(50.0),
            p(95.0),
            p(99.0),
            self.slots,
            if self.target { format!("≤ {TARGET_P50_MS}") } else { "-".into() },
            self.errors,
        );
    }
}

/// Starts the availability stack from `base` (the booking figures' options), fills the
/// calendars and prints the table.
pub fn bench(base: testbed::StackOptions, zoom_latency_ms: u64, requests: usize) {
    let stack = Stack::start("bench-availability", options(base));
    let from = chrono::Utc::now().date_naive() + chrono::Duration::days(1);
    let window = query("workday", from, WINDOW_DAYS);
    let (_, status, body) = ask(&stack, &window);
    assert_eq!(status, 200, "{body}");
    let before = slots(&body).len();
    let t = Instant::now();
    let booked = seed(&stack, &window);
    let seeded_s = t.elapsed().as_secs_f64();
    let held: u64 = stack.admin_status()["hosts"]
        .as_array()
        .expect("hosts in the operator status")
        .iter()
        .filter(|h| HOSTS.contains(&h["host"].as_str().unwrap_or_default()))
        .map(|h| h["create_update_used_today"].as_u64().unwrap_or(0))
        .sum();
    let (_, _, body) = ask(&stack, &window);
    let after = slots(&body).len();
    assert!(
        held >= MEETINGS as u64 && after < before,
        "the coordinator does not hold the meetings: {held} created, {before} → {after} slots"
    );
    stack.control("/latency", json!({"ms": zoom_latency_ms}));

    // The first working day of the window, for the 1-day read.
    let first_day = (0..7)
        .map(|d| from + chrono::Duration::days(d))
        .find(|d| chrono::Datelike::weekday(d).number_from_monday() <= 5)
        .unwrap();
    let path = |q: String| format!("/v1/availability?{q}");
    let past_horizon = from + chrono::Duration::days(100);
    let cases = [
        measure(
            &stack,
            "31 days, 3 hosts, 300 meetings (the figure)",
            &path(window.clone()),
            requests,
            true,
        ),
        measure(
            &stack,
            "1 day, same hosts and meetings",
            &path(query("workday", first_day, 1)),
            requests,
            false,
        ),
        measure(
            &stack,
            "31 days, same hours, a host with no meetings",
            &path(query("idle", from, WINDOW_DAYS)),
            requests,
            false,
        ),
        measure(
            &stack,
            "31 days, type without hours (48 starts/day)",
            &path(query("anytime", from, WINDOW_DAYS)),
            requests,
            false,
        ),
        measure(
            &stack,
            "31 days past the horizon (no coordinator)",
            &path(query("workday", past_horizon, WINDOW_DAYS)),
            requests,
            false,
        ),
        measure(
            &stack,
            "GET /v1/types (worker round trip floor)",
            "/v1/types",
            requests,
            false,
        ),
    ];
    println!(
        "\nAvailability: GET /v1/availability one at a time ({requests} each); \
         {booked} meetings booked on {} hosts in {seeded_s:.1} s, held by the coordinator \
         ({held} creates counted), slots listed for 31 days {before} → {after}; \
         emulated Zoom latency {zoom_latency_ms} ms",
        HOSTS.len()
    );
    println!("| case                                         | conc | requests | req/s  | p50 ms | p95 ms | p99 ms | slots | target p50 | errors |");
    println!("|----------------------------------------------|------|----------|--------|--------|--------|--------|-------|------------|--------|");
    for case in &cases {
        case.print();
    }
    let p50 = percentile(&cases[0].latencies_ms, 50.0);
    println!(
        "availability p50, 31 days, 300 meetings: {p50:.1} ms (target ≤ {TARGET_P50_MS} ms: {})",
        if p50 <= TARGET_P50_MS {
            "met"
        } else {
            "missed"
        }
    );
}
