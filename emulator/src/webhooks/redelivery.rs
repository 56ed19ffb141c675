//! Zoom's redelivery: a delivery that got no 2xx (a non-2xx answer, no answer within 3 seconds,
//! or a transport error) is sent again up to three times, each retry a set gap after the
//! previous attempt (Zoom: 5 minutes, then 20, then 60), and never again once one gets a 2xx.
//! Retries run on a background thread; every attempt, first or retry, is kept in a log that the
//! control surface lists (`GET /_emulator/webhooks/deliveries`), so a test can wait for "a
//! redelivery got a 200" with a deadline instead of sleeping. `reset` forgets the log and stops
//! every pending redelivery.

use super::delivery::{deliver, redeliver, Answer};
use super::Plan;
use crate::state::State;
use serde::Serialize;
use serde_json::{json, Value};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Zoom's gaps before each retry, each counted from the previous attempt: "the first retry 5
/// minutes after the initial notification delivery attempt, the second 20 minutes after the
/// first retry, the third 60 minutes after the second retry".
pub const ZOOM_RETRY_GAPS_MS: [u64; 3] = [5 * 60_000, 20 * 60_000, 60 * 60_000];

/// Largest answer body kept per attempt in the log.
const LOGGED_BODY_CHARS: usize = 2_000;

/// How often a sleeping redelivery looks whether `reset` cancelled it.
const CANCEL_POLL: Duration = Duration::from_millis(20);

/// One attempt at one delivery, as the control surface lists it.
#[derive(Debug, Clone, Serialize)]
pub struct Attempt {
    pub delivery: u64,
    /// 0 for the first delivery (each of its `times`), 1 to 3 for Zoom's retries.
    pub attempt: u32,
    /// 0: no answer (a timeout or a transport error).
    pub status: u16,
    pub body: String,
    pub at_ms: i64,
}

/// Every attempt since the last reset, and the retries still to come.
#[derive(Debug, Default)]
pub struct DeliveryLog {
    next_delivery: u64,
    /// Bumped by `reset`: a redelivery thread from an earlier generation sends nothing more.
    generation: u64,
    attempts: Vec<Attempt>,
    /// Deliveries with a retry still to come.
    pending: u32,
}

impl DeliveryLog {
    /// Forgets every attempt and cancels every pending redelivery.
    pub fn forget(&mut self) {
        self.generation += 1;
        self.attempts.clear();
        self.pending = 0;
    }

    pub fn listing(&self) -> Value {
        json!({ "attempts": self.attempts, "pending": self.pending })
    }

    fn record(&mut self, delivery: u64, attempt: u32, answer: &Answer) {
        self.attempts.push(Attempt {
            delivery,
            attempt,
            status: answer.status,
            body: answer.body.chars().take(LOGGED_BODY_CHARS).collect(),
            at_ms: wall_ms(),
        });
    }
}

fn wall_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

fn lock(shared: &Mutex<State>) -> MutexGuard<'_, State> {
    shared
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Whether Zoom would deliver again after these answers to the first delivery: only if none of
/// them was a 2xx.
pub fn needs_redelivery(answers: &[Answer]) -> bool {
    !answers.iter().any(Answer::acknowledged)
}

/// Sends a planned delivery, logs its answers and, if none was a 2xx, schedules Zoom's retries.
/// Answers the control call with the first delivery's answers (the retries come later).
pub fn deliver_and_follow_up(shared: &Arc<Mutex<State>>, plan: Plan) -> Value {
    // Zoom counts the first retry's gap from the start of the first attempt.
    let sent = Instant::now();
    let (timestamp, answers) = deliver(&plan);
    let mut state = lock(shared);
    let log = &mut state.webhook_log;
    let delivery = log.next_delivery;
    log.next_delivery += 1;
    for answer in &answers {
        log.record(delivery, 0, answer);
    }
    let gaps = state.settings.webhook_retry_gaps_ms.clone();
    let redelivery = needs_redelivery(&answers) && !gaps.is_empty();
    if redelivery {
        state.webhook_log.pending += 1;
        let generation = state.webhook_log.generation;
        let (shared, plan) = (Arc::clone(shared), plan.clone());
        thread::spawn(move || retry(&shared, &plan, delivery, generation, &gaps, sent));
    }
    drop(state);
    let body = String::from_utf8_lossy(&plan.body).into_owned();
    reply(delivery, &answers, body, timestamp, redelivery)
}

fn reply(
    delivery: u64,
    answers: &[Answer],
    sent_body: String,
    timestamp: String,
    redelivery: bool,
) -> Value {
    let deliveries: Vec<Value> = answers
        .iter()
        .map(|a| json!({ "status": a.status, "body": a.body, "retry_after": a.retry_after }))
        .collect();
    json!({
        "delivery": delivery,
        "deliveries": deliveries,
        "sent_body": sent_body,
        "timestamp": timestamp,
        "redelivery_scheduled": redelivery,
    })
}

/// Waits until `due`, or returns false as soon as `reset` cancelled this generation.
fn wait_until(shared: &Mutex<State>, generation: u64, due: Instant) -> bool {
    loop {
        if lock(shared).webhook_log.generation != generation {
            return false;
        }
        let now = Instant::now();
        if now >= due {
            return true;
        }
        thread::sleep(CANCEL_POLL.min(due - now));
    }
}

/// Zoom's retries of one delivery: each `gaps[i]` after the previous attempt, until one is
/// acknowledged, the gaps run out, or `reset` cancels them.
fn retry(
    shared: &Mutex<State>,
    plan: &Plan,
    delivery: u64,
    generation: u64,
    gaps: &[u64],
    first_sent: Instant,
) {
    let mut previous = first_sent;
    for (index, gap) in gaps.iter().enumerate() {
        if !wait_until(shared, generation, previous + Duration::from_millis(*gap)) {
            return;
        }
        previous = Instant::now();
        let answer = redeliver(plan);
        let mut state = lock(shared);
        let log = &mut state.webhook_log;
        if log.generation != generation {
            return;
        }
        log.record(delivery, index as u32 + 1, &answer);
        if answer.acknowledged() || index + 1 == gaps.len() {
            log.pending -= 1;
            return;
        }
    }
}

#[cfg(test)]
mod tests;
