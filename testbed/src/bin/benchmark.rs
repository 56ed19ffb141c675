//! `benchmark`: booking throughput and latency of the built worker under `wrangler dev` against
//! the Zoom emulator, beside the naive baseline (a fresh token before every Zoom call) and the
//! emulator called directly; webhook verification cost and delivery latency (the event recorded
//! before the acknowledgement); deployable size. Prints tables.
//!
//! ```text
//! benchmark [--zoom-latency-ms 0] [--requests 200] [--levels 1,8,32,64]
//! benchmark --size-only
//! benchmark --webhooks-only
//! benchmark --availability-only [--availability-requests 200]
//! ```
//! Run through `scripts/bench.sh`, which installs and builds first: the size is measured on the
//! production build (`--size-only`), the runs on a build with the `benchmark` feature, the only
//! one that reads the naive baseline's settings.

#[path = "benchmark/availability.rs"]
mod availability;

use serde_json::{json, Value};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};
use testbed::{future_utc, root, run_concurrently, send_with, Stack, StackOptions, WEBHOOK_SECRET};
use zoom_booking_edge::domain::webhook::signature::{sign, verify};
use zoom_emulator::TokenMode;

struct Args {
    size_only: bool,
    webhooks_only: bool,
    availability_only: bool,
    zoom_latency_ms: u64,
    requests: usize,
    availability_requests: usize,
    levels: Vec<usize>,
}

fn parse_args() -> Args {
    let mut args = Args {
        size_only: false,
        webhooks_only: false,
        availability_only: false,
        zoom_latency_ms: 0,
        requests: 200,
        availability_requests: 200,
        levels: vec![1, 8, 32, 64],
    };
    let raw: Vec<String> = std::env::args().skip(1).collect();
    let mut it = raw.iter();
    while let Some(flag) = it.next() {
        if flag == "--size-only" {
            args.size_only = true;
            continue;
        }
        if flag == "--webhooks-only" {
            args.webhooks_only = true;
            continue;
        }
        if flag == "--availability-only" {
            args.availability_only = true;
            continue;
        }
        let value = it.next().unwrap_or_else(|| panic!("{flag} needs a value"));
        match flag.as_str() {
            "--zoom-latency-ms" => args.zoom_latency_ms = value.parse().expect("a number of ms"),
            "--requests" => args.requests = value.parse().expect("a number of requests"),
            "--availability-requests" => {
                args.availability_requests = value.parse().expect("a number of requests")
            }
            "--levels" => {
                args.levels = value
                    .split(',')
                    .map(|l| l.trim().parse().expect("concurrency levels like 1,8,32"))
                    .collect()
            }
            other => panic!("unknown argument {other}"),
        }
    }
    args
}

/// One measured run.
struct Row {
    mode: &'static str,
    concurrency: usize,
    requests: usize,
    elapsed: Duration,
    latencies_ms: Vec<f64>,
    errors: usize,
    token_requests: Option<u64>,
    zoom_calls: Option<u64>,
}

impl Row {
    fn percentile(&self, p: f64) -> f64 {
        if self.latencies_ms.is_empty() {
            return f64::NAN;
        }
        let mut sorted = self.latencies_ms.clone();
        sorted.sort_by(|a, b| a.total_cmp(b));
        let rank = ((p / 100.0) * (sorted.len() as f64 - 1.0)).round() as usize;
        sorted[rank]
    }

    fn print(&self) {
        let ok = self.requests - self.errors;
        let per_booking = |calls: Option<u64>| match calls {
            Some(c) if ok > 0 => format!("{:.2}", c as f64 / ok as f64),
            _ => "-".into(),
        };
        println!(
            "| {:<15} | {:>4} | {:>8} | {:>10.1} | {:>7.1} | {:>7.1} | {:>7.1} | {:>10} | {:>10} | {:>6} |",
            self.mode,
            self.concurrency,
            self.requests,
            self.requests as f64 / self.elapsed.as_secs_f64(),
            self.percentile(50.0),
            self.percentile(95.0),
            self.percentile(99.0),
            self.token_requests.map_or("-".into(), |t| t.to_string()),
            per_booking(self.zoom_calls),
            self.errors,
        );
    }
}

fn table_header() {
    println!("| mode            | conc | requests | req/s      | p50 ms  | p95 ms  | p99 ms  | token reqs | zoom calls/booking | errors |");
    println!("|-----------------|------|----------|------------|---------|---------|---------|------------|------------|--------|");
}

/// Runs `requests` calls of `one` from `concurrency` threads; returns latencies and errors.
fn drive(
    concurrency: usize,
    requests: usize,
    one: impl Fn(usize) -> bool + Sync,
) -> (Duration, Vec<f64>, usize) {
    let started = Instant::now();
    let results = run_concurrently(concurrency, requests, |i| {
        let t = Instant::now();
        let ok = one(i);
        (t.elapsed().as_secs_f64() * 1000.0, ok)
    });
    let elapsed = started.elapsed();
    let errors = results.iter().filter(|(_, ok)| !ok).count();
    (
        elapsed,
        results.into_iter().map(|(ms, _)| ms).collect(),
        errors,
    )
}

/// A booking no earlier request of the run made: the worker answers an identical keyless
/// submission within 10 minutes from its ledger, which would flatter the figures.
fn booking_body() -> Value {
    static SEQUENCE: AtomicUsize = AtomicUsize::new(0);
    let i = SEQUENCE.fetch_add(1, Ordering::Relaxed);
    json!({
        "name": format!("Bench {i}"),
        "email": format!("bench{i}@example.com"),
        "start_time": (future_utc(3) + chrono::Duration::minutes(i as i64)).to_rfc3339(),
    })
}

fn counters(stack: &Stack) -> (u64, u64) {
    let stats = stack.stats();
    (
        stats["token_requests"].as_u64().unwrap_or(0),
        stats["api_requests"].as_u64().unwrap_or(0),
    )
}

fn bench_worker(mode: &'static str, stack: &Stack, args: &Args) -> Vec<Row> {
    args.levels
        .iter()
        .map(|&concurrency| {
            let (tokens_before, api_before) = counters(stack);
            let (elapsed, latencies_ms, errors) = drive(concurrency, args.requests, |_| {
                stack.book_json(&booking_body()).status == 201
            });
            let (tokens_after, api_after) = counters(stack);
            let token_requests = tokens_after - tokens_before;
            Row {
                mode,
                concurrency,
                requests: args.requests,
                elapsed,
                latencies_ms,
                errors,
                token_requests: Some(token_requests),
                zoom_calls: Some(token_requests + api_after - api_before),
            }
        })
        .collect()
}

/// The same create calls straight at the emulator, with one token: Zoom's own cost here.
fn bench_emulator_direct(stack: &Stack, args: &Args) -> Vec<Row> {
    let token = stack.token_for_another_app().json()["access_token"]
        .as_str()
        .expect("a token from the emulator")
        .to_owned();
    let url = format!("{}/v2/users/me/meetings", stack.emulator.base_url);
    let bearer = format!("Bearer {token}");
    args.levels
        .iter()
        .map(|&concurrency| {
            let (elapsed, latencies_ms, errors) = drive(concurrency, args.requests, |i| {
                let body = json!({"topic": "Direct", "type": 2, "duration": 30,
                    "start_time": (future_utc(3) + chrono::Duration::minutes(i as i64)).to_rfc3339()});
                let headers = [("authorization", bearer.as_str()), ("content-type", "application/json")];
                send_with(&stack.agent, "POST", &url, &headers, body.to_string().as_bytes()).status == 201
            });
            Row {
                mode: "emulator-direct",
                concurrency,
                requests: args.requests,
                elapsed,
                latencies_ms,
                errors,
                token_requests: None,
                zoom_calls: None,
            }
        })
        .collect()
}

/// Webhook verification: the pure check in-process, and a full delivery through the worker.
/// Zoom's budget for one webhook delivery: no 2xx within it counts as a failure.
const ZOOM_DELIVERY_BUDGET_MS: f64 = 3_000.0;

/// Webhook deliveries through the worker, which verifies each, has the coordinator record it and
/// only then answers: p50, p99 and the slowest, against Zoom's 3-second budget.
fn bench_webhooks(stack: &Stack) {
    let timestamp = (chrono::Utc::now().timestamp()).to_string();
    let body = json!({"event": "meeting.started", "event_ts": 1, "payload": {"object": {"id": "1", "topic": "Café 会議"}}}).to_string();
    let good = sign(WEBHOOK_SECRET, &timestamp, body.as_bytes());
    let bad = sign("wrong-secret", &timestamp, body.as_bytes());
    let now = chrono::Utc::now().timestamp();
    const ROUNDS: u32 = 100_000;
    println!("\nWebhook verification, in-process");
    println!("| case | per check |");
    println!("|------|-----------|");
    for (name, signature) in [("valid signature", &good), ("invalid signature", &bad)] {
        let started = Instant::now();
        for _ in 0..ROUNDS {
            let _ = std::hint::black_box(verify(
                &[WEBHOOK_SECRET],
                Some(signature),
                Some(&timestamp),
                body.as_bytes(),
                now,
                300,
            ));
        }
        println!("| {name} | {:?} |", started.elapsed() / ROUNDS);
    }

    let booked = stack.book_json(&booking_body());
    assert_eq!(booked.status, 201, "{}", booked.body);
    let meeting_id = booked.json()["meeting"]["id"]
        .as_u64()
        .expect("a meeting id");
    // `event_ts` makes each delivery a new event (recorded: dedupe mark and booking written
    // before the 200) or, repeated, a redelivery (the dedupe mark found, a counter written).
    let started_event = |event_ts: usize| {
        json!({"event": "meeting.started", "event_ts": event_ts,
            "payload": {"object": {"id": meeting_id.to_string()}}})
        .to_string()
    };
    let deliver = |body: &str, secret: &str| {
        let timestamp = chrono::Utc::now().timestamp().to_string();
        let signature = sign(secret, &timestamp, body.as_bytes());
        let headers = [
            ("content-type", "application/json"),
            ("x-zm-signature", signature.as_str()),
            ("x-zm-request-timestamp", timestamp.as_str()),
        ];
        let url = format!("{}/v1/zoom/webhook", stack.worker);
        let t = Instant::now();
        let status = send_with(&stack.agent, "POST", &url, &headers, body.as_bytes()).status;
        (t.elapsed().as_secs_f64() * 1000.0, status)
    };
    const DELIVERIES: usize = 500;
    println!(
        "\nWebhook deliveries through the worker: verified, recorded by the coordinator, then \
         answered ({DELIVERIES} each; Zoom allows {ZOOM_DELIVERY_BUDGET_MS} ms)"
    );
    println!("| case | concurrency | p50 ms | p99 ms | max ms | statuses |");
    println!("|------|-------------|--------|--------|--------|----------|");
    // (case, concurrency, signing secret, the `event_ts` of delivery i)
    type Case = (&'static str, usize, &'static str, fn(usize) -> usize);
    const FIRST_TS: usize = 1_000_000;
    let cases: [Case; 4] = [
        (
            "new event (recorded before the 200)",
            1,
            WEBHOOK_SECRET,
            |i| FIRST_TS + i,
        ),
        ("new events, concurrent", 8, WEBHOOK_SECRET, |i| {
            2 * FIRST_TS + i
        }),
        (
            "redelivery (dedupe, no second effect)",
            1,
            WEBHOOK_SECRET,
            |_| FIRST_TS,
        ),
        (
            "invalid signature (401, no coordinator)",
            1,
            "wrong-secret",
            |i| FIRST_TS + i,
        ),
    ];
    for (name, concurrency, secret, event_ts) in cases {
        let results = run_concurrently(concurrency, DELIVERIES, |i| {
            deliver(&started_event(event_ts(i)), secret)
        });
        let mut latencies: Vec<f64> = results.iter().map(|(ms, _)| *ms).collect();
        latencies.sort_by(|a, b| a.total_cmp(b));
        let at = |p: f64| latencies[((latencies.len() - 1) as f64 * p / 100.0).round() as usize];
        let mut statuses: Vec<u16> = results.iter().map(|(_, status)| *status).collect();
        statuses.sort_unstable();
        statuses.dedup();
        let max = latencies[latencies.len() - 1];
        println!(
            "| {name} | {concurrency} | {:.2} | {:.2} | {max:.2} | {statuses:?} |",
            at(50.0),
            at(99.0)
        );
        assert!(
            max < ZOOM_DELIVERY_BUDGET_MS,
            "a webhook delivery took {max:.0} ms, outside Zoom's budget"
        );
    }
}

fn gzip_size(path: &std::path::Path) -> u64 {
    let out = Command::new("gzip")
        .args(["-9", "-c"])
        .arg(path)
        .output()
        .expect("gzip runs");
    out.stdout.len() as u64
}

/// What `wrangler deploy` would upload, raw and gzip-compressed.
fn report_size() {
    let outdir = root().join("target/bench-dist");
    let _ = std::fs::remove_dir_all(&outdir);
    let status = Command::new(root().join("node_modules/.bin/wrangler"))
        .args(["deploy", "--dry-run", "--outdir"])
        .arg(&outdir)
        .current_dir(root())
        .env("WORKER_PREBUILT", "1")
        .env("WRANGLER_SEND_METRICS", "false")
        .stdout(std::process::Stdio::null())
        .status()
        .expect("wrangler runs");
    assert!(status.success(), "wrangler deploy --dry-run failed");
    println!("\nDeployable size (wrangler deploy --dry-run --outdir)");
    println!("| file | raw bytes | gzip -9 bytes |");
    println!("|------|-----------|---------------|");
    let (mut raw_total, mut gz_total) = (0, 0);
    let mut files: Vec<_> = std::fs::read_dir(&outdir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    files.sort();
    for path in files.iter().filter(|p| {
        p.extension()
            .is_some_and(|e| e == "js" || e == "mjs" || e == "wasm")
    }) {
        let raw = std::fs::metadata(path).unwrap().len();
        let gz = gzip_size(path);
        raw_total += raw;
        gz_total += gz;
        println!(
            "| {} | {raw} | {gz} |",
            path.file_name().unwrap().to_string_lossy()
        );
    }
    println!(
        "| total | {raw_total} ({:.0} KiB) | {gz_total} ({:.0} KiB) |",
        raw_total as f64 / 1024.0,
        gz_total as f64 / 1024.0
    );
}

/// Zoom's limits are lifted on both sides: the benchmark measures the worker, not Zoom's pacing.
fn stack_options(strategy: &str) -> StackOptions {
    let mut options = StackOptions::new(TokenMode::Multi)
        .var("ZOOM_PLAN", "unmetered")
        .var("TOKEN_STRATEGY", strategy);
    options.emulator.daily_create_limit = u32::MAX;
    options
}

fn main() {
    let args = parse_args();
    if args.size_only {
        return report_size();
    }
    if args.webhooks_only {
        let stack = Stack::start("bench-coordinator", stack_options("coordinator"));
        return bench_webhooks(&stack);
    }
    if args.availability_only {
        return availability::bench(
            stack_options("coordinator"),
            args.zoom_latency_ms,
            args.availability_requests,
        );
    }
    println!(
        "benchmark: {} bookings per level, levels {:?}, emulated Zoom latency {} ms, {} cores",
        args.requests,
        args.levels,
        args.zoom_latency_ms,
        thread::available_parallelism().map_or(0, |n| n.get())
    );
    let mut rows = Vec::new();
    {
        let stack = Stack::start("bench-coordinator", stack_options("coordinator"));
        stack.control("/latency", json!({"ms": args.zoom_latency_ms}));
        rows.extend(bench_worker("worker", &stack, &args));
        rows.extend(bench_emulator_direct(&stack, &args));
        bench_webhooks(&stack);
    }
    {
        let stack = Stack::start("bench-per-call", stack_options("per_call"));
        stack.control("/latency", json!({"ms": args.zoom_latency_ms}));
        rows.extend(bench_worker("naive per-call", &stack, &args));
    }
    println!("\nBookings (worker = coordinator tokens; naive per-call = a fresh token before every Zoom call)");
    table_header();
    for row in &rows {
        row.print();
    }
    for &level in &args.levels {
        let p50 = |mode: &str| {
            rows.iter()
                .find(|r| r.mode == mode && r.concurrency == level)
                .map(|r| r.percentile(50.0))
        };
        if let (Some(worker), Some(direct)) = (p50("worker"), p50("emulator-direct")) {
            println!(
                "worker-added p50 at concurrency {level}: {:.1} ms",
                worker - direct
            );
        }
    }
    for mode in ["worker", "naive per-call"] {
        if let Some(row) = rows.iter().find(|r| r.mode == mode && r.concurrency == 64) {
            let ok = (row.requests - row.errors).max(1) as f64;
            let per_1000 = row.token_requests.unwrap_or(0) as f64 * 1000.0 / ok;
            println!("{mode}: token requests per 1000 bookings at concurrency 64: {per_1000:.0}");
        }
    }
    // Its own stack, after the booking figures' stacks have stopped.
    availability::bench(
        stack_options("coordinator"),
        args.zoom_latency_ms,
        args.availability_requests,
    );
}
