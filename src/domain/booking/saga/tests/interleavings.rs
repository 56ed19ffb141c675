//! The saga driven against an in-memory journal and a fake Zoom, in every order the network, the
//! isolates and the coordinator's alarm can produce.
//!
//! The model carries out what `edge::bookings::create` (the worker) and
//! `edge::coordinator::resolution` (the alarm) do, one atomic step at a time: a coordinator
//! operation (a Durable Object runs one at a time) or one Zoom call. Every decision comes from
//! `saga`, `idempotency` and `reservation`; the model only executes them. Each run is one
//! combination of
//!
//! - how Zoom answers the create (answered, answer lost with or without a meeting made, a 5xx
//!   after acting, an unreadable 2xx, a refusal),
//! - what the worker's own search finds (the meeting, nothing, an error),
//! - how the commit call ends (stored, failed before storing, stored with its answer lost),
//! - whether the keyed or keyless attempt's lists and deletes at Zoom fail a few times,
//! - the gap (before any worker step, or after the last) at which the handler is gone,
//! - the gap at which a retry under the same key arrives, and
//! - the gaps at which the alarm's three steps run (read the list; decide and act; the
//!   DELETE's answer), the handler having stalled until the attempt was due,
//!
//! after which the alarm runs until nothing is due and the invariants are checked: at most one
//! meeting, and exactly the committed booking's if there is one; no meeting without a booking;
//! a retry gets `request_in_progress` while the outcome is unknown and the one answer after; a
//! released attempt left no meeting and freed its slot and key; a committed booking's meeting is
//! never deleted; "nothing was booked" only when Zoom made nothing.
//!
//! What the model takes as given (the edge's part): Zoom carries out a create as it receives it
//! (so within `SETTLE_MS`); the worker sends no create once its lease has lapsed; the alarm
//! stops when the attempt it read is gone or another booking's; one host (a daily-limit move is
//! `reservation`'s); a retry that may proceed runs to its end without faults.

use super::*;
use crate::domain::booking::host_pool::HostLoad;
use crate::domain::booking::idempotency::{
    duplicate_key, fingerprint, is_client_key, retention_ms, IdempotencyKey,
};
use crate::domain::booking::marker::Marker;
use crate::domain::booking::reservation::{decide, Decision, Facts, Pool};
use crate::domain::coordinator::Refusal;
use std::collections::hash_map::DefaultHasher;
use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::hash::{Hash, Hasher};

const SIGNING_KEY: &str = "interleavings-signing-key";
const ZOOM_TIMEOUT_MS: u64 = 1_500;
/// What one Zoom call takes.
const CALL_MS: i64 = 1_000;
/// 2030-01-01T00:00:00Z.
const T0_MS: i64 = 1_893_456_000_000;
/// A worker takes at most five steps: reserve, create, look up, commit (or report the outcome
/// unknown, or release), delete a meeting no booking may keep.
const GAPS: usize = 6;
/// Enough alarm passes for any run: a few failed lists and deletes, each followed by a backoff.
const MAX_PASSES: usize = 50;

// ---- The faults ---------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Create {
    Answered,
    LostMade,
    LostNotMade,
    ServerErrorAfterActing,
    Unreadable2xx,
    Refused,
}

impl Create {
    const ALL: [Create; 6] = [
        Create::Answered,
        Create::LostMade,
        Create::LostNotMade,
        Create::ServerErrorAfterActing,
        Create::Unreadable2xx,
        Create::Refused,
    ];

    fn makes_meeting(self) -> bool {
        !matches!(self, Create::LostNotMade | Create::Refused)
    }

    fn answer(self, meeting_id: Option<u64>) -> Result<(u16, String), CallError> {
        match self {
            Create::Answered => Ok((201, meeting_json(meeting_id.expect("made")))),
            Create::LostMade | Create::LostNotMade => Err(CallError::OutcomeUnknown),
            Create::ServerErrorAfterActing => {
                Err(CallError::Failed(ApiError::ZoomError { status: 502 }))
            }
            Create::Unreadable2xx => Ok((201, "<html>upstream</html>".into())),
            Create::Refused => Err(CallError::Failed(ApiError::ZoomRejected {
                status: 400,
                zoom_code: Some(300),
            })),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Lookup {
    Finds,
    /// The meeting is beyond the pages the worker reads.
    Misses,
    Fails,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Commit {
    Succeeds,
    FailsBeforeStoring,
    AnswerLostAfterStoring,
}

impl Commit {
    const ALL: [Commit; 3] = [
        Commit::Succeeds,
        Commit::FailsBeforeStoring,
        Commit::AnswerLostAfterStoring,
    ];
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Faults {
    create: Create,
    lookup: Lookup,
    commit: Commit,
    /// How many of the coordinator's lists, and how many deletes, fail before Zoom answers.
    zoom_failures: u32,
}

const HAPPY: Faults = Faults {
    create: Create::Answered,
    lookup: Lookup::Finds,
    commit: Commit::Succeeds,
    zoom_failures: 0,
};

/// Every combination that can play out differently: the search matters only after an unknown
/// create, the commit only when the worker has a meeting to commit.
fn all_faults() -> Vec<Faults> {
    let mut all = Vec::new();
    for zoom_failures in [0, 2] {
        for create in Create::ALL {
            let lookups: &[Lookup] = match create {
                Create::Answered | Create::Refused => &[Lookup::Finds],
                _ => &[Lookup::Finds, Lookup::Misses, Lookup::Fails],
            };
            for &lookup in lookups {
                let commits_something = create == Create::Answered
                    || (lookup == Lookup::Finds && create.makes_meeting());
                let commits: &[Commit] = if commits_something {
                    &Commit::ALL
                } else {
                    &[Commit::Succeeds]
                };
                for &commit in commits {
                    all.push(Faults {
                        create,
                        lookup,
                        commit,
                        zoom_failures,
                    });
                }
            }
        }
    }
    all
}

/// When the handler stops, a retry arrives and the alarm's steps run: each a gap, `0` before
/// the worker's first step, `GAPS - 1` after its last possible one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Schedule {
    gone_at: Option<usize>,
    retry_at: Option<usize>,
    /// Gaps of the alarm pass's read, decision and delete answer (in order).
    alarm_at: Option<[usize; 3]>,
}

fn all_schedules() -> Vec<Schedule> {
    let gaps = || (0..GAPS).map(Some).chain([None]);
    // Gone after the last possible step is not gone at all.
    let gone = || (0..GAPS - 1).map(Some).chain([None]);
    let mut alarms = vec![None];
    for read in 0..GAPS {
        for decision in read..GAPS {
            for deleted in decision..GAPS {
                alarms.push(Some([read, decision, deleted]));
            }
        }
    }
    let mut all = Vec::new();
    for gone_at in gone() {
        for retry_at in gaps() {
            for &alarm_at in &alarms {
                all.push(Schedule {
                    gone_at,
                    retry_at,
                    alarm_at,
                });
            }
        }
    }
    all
}

// ---- Zoom ---------------------------------------------------------------------------------

fn meeting_json(id: u64) -> String {
    format!(r#"{{"id":{id},"join_url":"https://zoom.us/j/{id}","password":"p"}}"#)
}

fn marker(booking_id: &BookingId) -> Marker {
    // Computed once per booking id: a run asks for it at every list.
    thread_local! {
        static MARKERS: std::cell::RefCell<HashMap<BookingId, Marker>> = Default::default();
    }
    MARKERS.with(|markers| {
        markers
            .borrow_mut()
            .entry(booking_id.clone())
            .or_insert_with(|| Marker::of(SIGNING_KEY, booking_id))
            .clone()
    })
}

struct ZoomSide {
    /// Every meeting ever made: id, agenda, deleted.
    meetings: Vec<(u64, String, bool)>,
    list_failures_left: u32,
    delete_failures_left: u32,
}

impl ZoomSide {
    fn create(&mut self, booking_id: &BookingId) -> u64 {
        let id = 1_000 + self.meetings.len() as u64;
        self.meetings.push((
            id,
            marker(booking_id).agenda(booking().agenda.as_deref()),
            false,
        ));
        id
    }

    fn with_marker(&self, booking_id: &BookingId) -> Option<ZoomMeeting> {
        let wanted = marker(booking_id);
        self.meetings
            .iter()
            .find(|(_, agenda, deleted)| {
                !deleted && Marker::in_agenda(agenda).as_ref() == Some(&wanted)
            })
            .map(|(id, _, _)| ZoomMeeting::parse(&meeting_json(*id)).expect("meeting json"))
    }

    /// The coordinator's read of the host's whole list.
    fn list_for(&mut self, booking_id: &BookingId) -> Result<Option<ZoomMeeting>, ()> {
        if self.list_failures_left > 0 {
            self.list_failures_left -= 1;
            return Err(());
        }
        Ok(self.with_marker(booking_id))
    }

    /// `DELETE /meetings/{id}`: true when the meeting is gone (404 3001 counts).
    fn delete(&mut self, id: u64) -> bool {
        if self.delete_failures_left > 0 {
            self.delete_failures_left -= 1;
            return false;
        }
        for meeting in self.meetings.iter_mut().filter(|m| m.0 == id) {
            meeting.2 = true;
        }
        true
    }

    fn live(&self) -> Vec<u64> {
        self.meetings.iter().filter(|m| !m.2).map(|m| m.0).collect()
    }

    fn made_for(&self, booking_id: &BookingId) -> bool {
        let wanted = marker(booking_id);
        self.meetings
            .iter()
            .any(|(_, agenda, _)| Marker::in_agenda(agenda).as_ref() == Some(&wanted))
    }
}

// ---- The coordinator's journal -------------------------------------------------------------

struct World {
    now_ms: i64,
    key: String,
    fingerprint: String,
    /// The coordinator's attempts, by stored key.
    journal: HashMap<String, Attempt>,
    /// Committed bookings and their meeting.
    bookings: HashMap<BookingId, u64>,
    /// Bookings (reserved or committed) holding the slot.
    held: HashSet<BookingId>,
    zoom: ZoomSide,
    next_booking: u32,
    /// Meetings answered to a client as its booking (201 or a replay).
    answered_meetings: Vec<u64>,
    trace: String,
}

impl World {
    fn new(keyed: bool, faults: Faults) -> World {
        thread_local! {
            static KEYLESS: String = duplicate_key(&booking());
            static FINGERPRINT: String = fingerprint(&booking());
        }
        let key = if keyed {
            IdempotencyKey::parse("k-1").unwrap().stored()
        } else {
            KEYLESS.with(String::clone)
        };
        World {
            now_ms: T0_MS,
            key,
            fingerprint: FINGERPRINT.with(String::clone),
            journal: HashMap::new(),
            bookings: HashMap::new(),
            held: HashSet::new(),
            zoom: ZoomSide {
                meetings: Vec::new(),
                list_failures_left: faults.zoom_failures,
                delete_failures_left: faults.zoom_failures,
            },
            next_booking: 0,
            answered_meetings: Vec::new(),
            trace: String::new(),
        }
    }

    fn keyed(&self) -> bool {
        is_client_key(&self.key)
    }

    fn note(&mut self, what: &str) {
        let _ = write!(self.trace, "\n  @{} {what}", self.now_ms - T0_MS);
    }

    fn attempt(&self) -> Option<Attempt> {
        self.journal.get(&self.key).cloned()
    }

    fn unresolved(&self) -> Option<Attempt> {
        self.attempt()
            .filter(|a| a.answer.is_none() && a.intent.is_some())
    }

    /// A booking request reaching the coordinator: `reservation::decide`, and on a hold the
    /// journaled attempt.
    fn reserve(&mut self) -> (Decision, Option<BookingId>) {
        let loads = [HostLoad {
            used_today: 0,
            overlapping: self.held.len() as u32,
        }];
        let existing = self.attempt();
        let decision = decide(&Facts {
            key: &self.key,
            existing: existing.as_ref(),
            fingerprint: &self.fingerprint,
            submit_limits: Ok(()),
            pool: Pool {
                loads: &loads,
                daily_limit: 100,
                max_concurrent: 1,
                cursor: 0,
                now: Utc.timestamp_millis_opt(self.now_ms).unwrap(),
            },
        });
        let booking_id = match decision {
            Decision::Hold { .. } => {
                self.next_booking += 1;
                let booking_id: BookingId = format!("bk_{}", self.next_booking).as_str().into();
                let attempt = Attempt::in_flight(
                    self.fingerprint.clone(),
                    booking_id.clone(),
                    self.now_ms,
                    lease_ms(ZOOM_TIMEOUT_MS),
                    intent(),
                );
                self.journal.insert(self.key.clone(), attempt);
                self.held.insert(booking_id.clone());
                Some(booking_id)
            }
            _ => None,
        };
        let got = match &decision {
            Decision::Replay(_) => "replay".to_owned(),
            other => format!("{other:?}"),
        };
        self.note(&format!("reserve -> {got} {booking_id:?}"));
        (decision, booking_id)
    }

    /// CommitBooking, from the worker or the alarm's adoption.
    fn commit(&mut self, booking_id: &BookingId, meeting: ZoomMeeting) -> CommitVerdict {
        let attempt = self.attempt();
        let verdict = match on_commit(attempt.as_ref(), booking_id, self.keyed(), self.now_ms) {
            Err(verdict) => verdict,
            Ok(()) => {
                let meeting_id = meeting.id;
                let now = Utc.timestamp_millis_opt(self.now_ms).unwrap();
                let record =
                    meeting.into_record(booking_id.clone(), &intent().host, &booking(), now);
                let answer = answer_for(&record, SIGNING_KEY);
                self.journal.insert(
                    self.key.clone(),
                    Attempt::answered(
                        self.fingerprint.clone(),
                        booking_id.clone(),
                        answer.clone(),
                        self.now_ms,
                        retention_ms(&self.key),
                    ),
                );
                self.bookings.insert(booking_id.clone(), meeting_id);
                CommitVerdict::Committed(answer)
            }
        };
        let committed = matches!(verdict, CommitVerdict::Committed(_));
        self.note(&format!("commit {booking_id:?} -> committed: {committed}"));
        verdict
    }

    /// CreateUnknown.
    fn unknown(&mut self, booking_id: &BookingId) {
        let next = on_unknown(self.attempt().as_ref(), booking_id, self.now_ms);
        self.note(&format!(
            "unknown {booking_id:?} -> stored: {}",
            next.is_some()
        ));
        if let Some(next) = next {
            self.journal.insert(self.key.clone(), next);
        }
    }

    /// ReleaseReservation, or a resolution's Release: the attempt (if still this booking's)
    /// dropped and the slot freed.
    fn release(&mut self, booking_id: &BookingId) {
        self.note(&format!("release {booking_id:?}"));
        if self.attempt().is_some_and(|a| &a.booking_id == booking_id) {
            self.journal.remove(&self.key);
        }
        self.held.remove(booking_id);
    }

    fn store_check_again(&mut self, attempt: &Attempt, at_ms: i64) {
        self.note(&format!("check again at {}", at_ms - T0_MS));
        self.journal
            .insert(self.key.clone(), check_again(attempt, at_ms));
    }

    /// A retry under the same key: what it gets, checked against what is known; a retry that
    /// may proceed runs to its end without faults.
    fn retry(&mut self) {
        let before = self.attempt();
        let unresolved = self.unresolved().is_some();
        let (decision, booking_id) = self.reserve();
        match &decision {
            Decision::Replay(answer) => {
                let id = answer.body["meeting"]["id"].as_u64().expect("meeting id");
                // Only a client's key replays the owner's token.
                let token = answer.body.get("manage_token").is_some();
                assert_eq!(token, self.keyed(), "{}", self.trace);
                self.answered_meetings.push(id);
            }
            Decision::Refuse(Refusal::InProgress { retry_after }) => {
                assert!(*retry_after >= 1, "{}", self.trace);
                assert!(unresolved, "in progress without an attempt: {}", self.trace);
            }
            Decision::Refuse(other) => panic!("retry refused {other:?}:{}", self.trace),
            Decision::Hold { .. } => {
                assert!(
                    !unresolved,
                    "a retry proceeded while {before:?} was unresolved:{}",
                    self.trace
                );
                let mut second = Worker::new(self);
                second.bk = booking_id;
                second.next = Next::Create;
                while second.step(self, HAPPY) {}
            }
        }
    }

    // ---- The alarm ----------------------------------------------------------------------

    /// The handler stalled: the clock moves to when its attempt is due.
    fn wait_until_due(&mut self) {
        if let Some(attempt) = self.unresolved() {
            self.now_ms = self.now_ms.max(attempt.lease_until_ms);
        }
    }

    /// Drives the alarm until no attempt is due.
    fn resolve_all(&mut self) {
        for _ in 0..MAX_PASSES {
            if self.unresolved().is_none() {
                return;
            }
            self.wait_until_due();
            let mut pass = AlarmPass::default();
            while pass.step(self) {}
        }
        panic!("never resolved:{}", self.trace);
    }
}

#[derive(Default)]
struct AlarmPass {
    stage: u8,
    attempt: Option<BookingId>,
    found: Option<Found>,
    deleted: Option<bool>,
}

impl AlarmPass {
    /// One step; false once the pass is over.
    fn step(&mut self, world: &mut World) -> bool {
        self.stage += 1;
        match self.stage {
            1 => {
                let Some(attempt) = world.attempt().filter(|a| is_due(a, world.now_ms)) else {
                    world.note("alarm: nothing due");
                    return false;
                };
                let read_started_ms = world.now_ms;
                world.now_ms += CALL_MS;
                let found = match world.zoom.list_for(&attempt.booking_id) {
                    Ok(Some(meeting)) => Found::Meeting(meeting),
                    Ok(None) => Found::Nothing { read_started_ms },
                    Err(()) => Found::Unreadable,
                };
                let seen = match &found {
                    Found::Meeting(m) => format!("meeting {}", m.id),
                    other => format!("{other:?}"),
                };
                world.note(&format!("alarm read {:?} -> {seen}", attempt.booking_id));
                self.attempt = Some(attempt.booking_id);
                self.found = Some(found);
                true
            }
            2 => {
                let booking_id = self.attempt.clone().expect("read");
                // The attempt is read again after the await.
                let Some(attempt) = world.attempt().filter(|a| a.booking_id == booking_id) else {
                    world.note("alarm: attempt gone");
                    return false;
                };
                let found = self.found.take().expect("read");
                let resolution = after_check(&attempt, world.keyed(), found, world.now_ms);
                let decided = match &resolution {
                    Resolution::Adopt(m) => format!("Adopt({})", m.id),
                    other => format!("{other:?}"),
                };
                world.note(&format!("alarm decides {decided}"));
                match resolution {
                    Resolution::Adopt(meeting) => {
                        world.commit(&booking_id, meeting);
                        false
                    }
                    Resolution::Delete(id) => {
                        world.now_ms += CALL_MS;
                        self.deleted = Some(world.zoom.delete(id));
                        true
                    }
                    Resolution::Release => {
                        world.release(&booking_id);
                        false
                    }
                    Resolution::CheckAgain { at_ms } => {
                        world.store_check_again(&attempt, at_ms);
                        false
                    }
                }
            }
            3 => {
                let booking_id = self.attempt.clone().expect("read");
                let Some(attempt) = world.attempt().filter(|a| a.booking_id == booking_id) else {
                    world.note("alarm: attempt gone after delete");
                    return false;
                };
                let deleted = self.deleted.expect("delete sent");
                match after_delete(&attempt, deleted, world.now_ms) {
                    Resolution::Release => world.release(&booking_id),
                    Resolution::CheckAgain { at_ms } => world.store_check_again(&attempt, at_ms),
                    other => panic!("after_delete decided {other:?}"),
                }
                false
            }
            _ => false,
        }
    }
}

// ---- The worker ---------------------------------------------------------------------------

#[derive(Debug, Clone)]
enum Next {
    Reserve,
    Create,
    LookUp,
    Commit(ZoomMeeting),
    Unknown,
    Release,
    DeleteMeeting(u64),
    Done,
}

/// What the client was answered.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Answer {
    Booked(u64),
    OutcomePending,
    /// "Nothing was booked."
    NothingBooked,
    Refused,
}

struct Worker {
    bk: Option<BookingId>,
    reserved_at_ms: i64,
    next: Next,
    answer: Option<Answer>,
}

impl Worker {
    fn new(world: &World) -> Worker {
        Worker {
            bk: None,
            reserved_at_ms: world.now_ms,
            next: Next::Reserve,
            answer: None,
        }
    }

    fn finish(&mut self, world: &mut World, answer: Answer) -> bool {
        world.note(&format!("worker answers {answer:?}"));
        if let Answer::Booked(id) = answer {
            world.answered_meetings.push(id);
        }
        self.answer = Some(answer);
        self.next = Next::Done;
        false
    }

    /// One step; false once the handler is done.
    fn step(&mut self, world: &mut World, faults: Faults) -> bool {
        let next = std::mem::replace(&mut self.next, Next::Done);
        let bk = self.bk.clone();
        match next {
            Next::Done => false,
            Next::Reserve => {
                self.reserved_at_ms = world.now_ms;
                match world.reserve() {
                    (Decision::Hold { .. }, bk) => {
                        self.bk = bk;
                        self.next = Next::Create;
                        true
                    }
                    (Decision::Replay(answer), _) => {
                        let id = answer.body["meeting"]["id"].as_u64().expect("meeting id");
                        self.finish(world, Answer::Booked(id))
                    }
                    (Decision::Refuse(_), _) => self.finish(world, Answer::Refused),
                }
            }
            Next::Create => {
                let bk = bk.expect("reserved");
                // The edge sends the create only while its lease holds (it never starts one the
                // coordinator may already be resolving).
                if world.now_ms >= self.reserved_at_ms + lease_ms(ZOOM_TIMEOUT_MS) {
                    return self.finish(world, Answer::OutcomePending);
                }
                let made = faults
                    .create
                    .makes_meeting()
                    .then(|| world.zoom.create(&bk));
                world.now_ms += CALL_MS;
                let answer = faults.create.answer(made);
                let decision = after_create(
                    answer
                        .as_ref()
                        .map(|(s, b)| (*s, b.as_str()))
                        .map_err(Clone::clone),
                );
                world.note(&format!(
                    "create {:?} made {made:?} -> {}",
                    faults.create,
                    match &decision {
                        AfterCreate::Commit(m) => format!("Commit({})", m.id),
                        other => format!("{other:?}"),
                    }
                ));
                self.next = match decision {
                    AfterCreate::Commit(meeting) => Next::Commit(meeting),
                    AfterCreate::LookUp => Next::LookUp,
                    AfterCreate::Fail(_) | AfterCreate::NeverSent(_) => Next::Release,
                    AfterCreate::TryAnotherHost(err) => panic!("no daily limit here: {err:?}"),
                };
                true
            }
            Next::LookUp => {
                let bk = bk.expect("reserved");
                world.now_ms += CALL_MS;
                let found = match faults.lookup {
                    Lookup::Finds => Ok(world.zoom.with_marker(&bk)),
                    Lookup::Misses => Ok(None),
                    Lookup::Fails => Err(CallError::OutcomeUnknown),
                };
                let found = after_lookup(found);
                world.note(&format!(
                    "lookup {:?} -> {:?}",
                    faults.lookup,
                    found.as_ref().map(|m| m.id)
                ));
                self.next = match found {
                    Some(meeting) => Next::Commit(meeting),
                    None => Next::Unknown,
                };
                true
            }
            Next::Commit(meeting) => {
                let bk = bk.expect("reserved");
                let lost = ApiError::CoordinatorUnavailable { retry_after: 2 };
                let meeting_id = meeting.id;
                let result = match faults.commit {
                    Commit::Succeeds => Ok(world.commit(&bk, meeting)),
                    Commit::FailsBeforeStoring => {
                        world.note("commit lost before the coordinator");
                        Err(lost)
                    }
                    Commit::AnswerLostAfterStoring => {
                        world.commit(&bk, meeting);
                        world.note("commit answer lost");
                        Err(lost)
                    }
                };
                match after_commit(result) {
                    AfterCommit::Answer(answer) => {
                        let id = answer.body["meeting"]["id"].as_u64().expect("meeting id");
                        self.finish(world, Answer::Booked(id))
                    }
                    AfterCommit::DeleteMeeting => {
                        self.next = Next::DeleteMeeting(meeting_id);
                        true
                    }
                    AfterCommit::Pending => self.finish(world, Answer::OutcomePending),
                }
            }
            Next::Unknown => {
                world.unknown(&bk.expect("reserved"));
                self.finish(world, Answer::OutcomePending)
            }
            Next::Release => {
                world.release(&bk.expect("reserved"));
                self.finish(world, Answer::NothingBooked)
            }
            Next::DeleteMeeting(id) => {
                world.now_ms += CALL_MS;
                let deleted = world.zoom.delete(id);
                world.note(&format!("worker deletes {id} -> {deleted}"));
                self.finish(world, Answer::OutcomePending)
            }
        }
    }
}

// ---- One run and its invariants ------------------------------------------------------------

fn run(keyed: bool, faults: Faults, schedule: Schedule) -> World {
    let mut world = World::new(keyed, faults);
    let _ = write!(world.trace, "{keyed:?} {faults:?} {schedule:?}");
    let mut worker = Worker::new(&world);
    let mut alarm = AlarmPass::default();
    let mut handler_alive = true;
    for gap in 0..GAPS {
        if let Some(at) = schedule.alarm_at {
            for (stage, &stage_gap) in at.iter().enumerate() {
                if stage_gap == gap && usize::from(alarm.stage) == stage {
                    if stage == 0 {
                        world.wait_until_due();
                    }
                    if !alarm.step(&mut world) {
                        alarm.stage = 4;
                    }
                }
            }
        }
        if schedule.retry_at == Some(gap) {
            world.retry();
        }
        if schedule.gone_at == Some(gap) {
            world.note("handler gone");
            handler_alive = false;
        }
        if handler_alive {
            handler_alive = worker.step(&mut world, faults);
        }
    }
    while (1..4).contains(&alarm.stage) && alarm.step(&mut world) {}
    world.resolve_all();
    check(&mut world, &worker);
    world
}

fn check(world: &mut World, worker: &Worker) {
    let trace = world.trace.clone();
    // Nothing is left for the coordinator to resolve.
    assert!(world.unresolved().is_none(), "unresolved:{trace}");
    let live = world.zoom.live();
    let committed: Vec<(BookingId, u64)> = world
        .bookings
        .iter()
        .map(|(bk, id)| (bk.clone(), *id))
        .collect();
    assert!(committed.len() <= 1, "two bookings {committed:?}:{trace}");
    match committed.first() {
        Some((bk, meeting_id)) => {
            // (5) A committed booking's meeting is never deleted; (1) it is the only one.
            assert!(
                live.contains(meeting_id),
                "the committed booking's meeting was deleted:{trace}"
            );
            assert_eq!(live, vec![*meeting_id], "meetings at Zoom:{trace}");
            assert_eq!(
                world.zoom.with_marker(bk).map(|m| m.id),
                Some(*meeting_id),
                "{trace}"
            );
            assert!(
                world.held.contains(bk),
                "a committed booking lost its slot:{trace}"
            );
            assert_eq!(world.held.len(), 1, "slots {:?}:{trace}", world.held);
            // Its key answers it.
            let attempt = world.attempt().expect("a committed booking's key");
            assert_eq!(&attempt.booking_id, bk, "{trace}");
            assert!(attempt.answer.is_some(), "{trace}");
        }
        None => {
            // (2) and (4): no orphan; a released attempt left no meeting and freed its slot
            // and key.
            assert!(live.is_empty(), "orphan meetings {live:?}:{trace}");
            assert!(
                world.held.is_empty(),
                "slot still held {:?}:{trace}",
                world.held
            );
            assert!(world.attempt().is_none(), "key still bound:{trace}");
        }
    }
    // Every 201 or replay named the booking's meeting.
    let booked = committed.first().map(|(_, id)| *id);
    for id in &world.answered_meetings {
        assert_eq!(Some(*id), booked, "answered meeting {id}:{trace}");
    }
    // "Nothing was booked" only when Zoom made nothing for it.
    if worker.answer == Some(Answer::NothingBooked) {
        assert!(!world.zoom.made_for(&"bk_1".into()), "{trace}");
    }
    // (3) A retry after resolution gets the one answer; a key released is free.
    let (decision, _) = world.reserve();
    match (decision, booked) {
        (Decision::Replay(answer), Some(id)) => {
            assert_eq!(answer.body["meeting"]["id"].as_u64(), Some(id), "{trace}")
        }
        (Decision::Hold { .. }, None) => {}
        // A keyless duplicate window may have passed: the slot is then taken by the booking.
        (Decision::Refuse(Refusal::SlotUnavailable), Some(_)) if !world.keyed() => {}
        (other, booked) => {
            panic!("retry after resolution got {other:?} (booked {booked:?}):{trace}")
        }
    }
}

fn trace_hash(trace: &str) -> u64 {
    let mut hasher = DefaultHasher::new();
    trace.hash(&mut hasher);
    hasher.finish()
}

/// Runs every combination for keyed or keyless attempts; returns (runs, distinct traces).
fn every_interleaving(keyed: bool) -> (usize, usize) {
    let schedules = all_schedules();
    let mut runs = 0;
    let mut distinct = HashSet::new();
    for faults in all_faults() {
        for &schedule in &schedules {
            let world = run(keyed, faults, schedule);
            runs += 1;
            distinct.insert(trace_hash(world.trace.split_once('\n').map_or("", |t| t.1)));
        }
    }
    (runs, distinct.len())
}

#[test]
fn a_keyed_attempt_ends_with_one_meeting_committed_and_replayed_in_every_interleaving() {
    let (runs, distinct) = every_interleaving(true);
    println!("keyed: {runs} runs, {distinct} distinct interleavings");
    assert!(distinct > 1_000);
}

#[test]
fn a_keyless_attempt_ends_with_its_meeting_committed_or_deleted_in_every_interleaving() {
    let (runs, distinct) = every_interleaving(false);
    println!("keyless: {runs} runs, {distinct} distinct interleavings");
    assert!(distinct > 1_000);
}

#[test]
fn a_keyless_commit_landing_while_the_coordinator_deletes_its_meeting_is_refused() {
    // The handler stalls past its lease after Zoom answered; the alarm finds the meeting and
    // sends its DELETE; the handler's commit lands before the DELETE's answer.
    let schedule = Schedule {
        gone_at: None,
        retry_at: None,
        alarm_at: Some([2, 2, 3]),
    };
    let world = run(false, HAPPY, schedule);
    assert!(world.bookings.is_empty(), "{}", world.trace);
    assert!(world.zoom.live().is_empty(), "{}", world.trace);
    assert!(world.answered_meetings.is_empty(), "{}", world.trace);
}

#[test]
fn a_keyed_commit_landing_after_the_lease_lapsed_is_the_meeting_the_alarm_adopts() {
    let schedule = Schedule {
        gone_at: None,
        retry_at: Some(4),
        alarm_at: Some([2, 3, 3]),
    };
    let world = run(true, HAPPY, schedule);
    assert_eq!(world.bookings.len(), 1, "{}", world.trace);
    assert_eq!(
        world.answered_meetings,
        vec![1_000, 1_000],
        "{}",
        world.trace
    );
}

#[test]
fn an_attempt_whose_lists_fail_for_days_keeps_its_key_bound_then_gets_its_one_answer() {
    let faults = Faults {
        create: Create::LostMade,
        lookup: Lookup::Fails,
        commit: Commit::Succeeds,
        zoom_failures: u32::MAX,
    };
    let mut world = World::new(true, faults);
    let mut worker = Worker::new(&world);
    while worker.step(&mut world, faults) {}
    assert_eq!(worker.answer, Some(Answer::OutcomePending));
    while world.now_ms < T0_MS + 3 * CLIENT_KEY_RETENTION_MS {
        world.wait_until_due();
        let mut pass = AlarmPass::default();
        while pass.step(&mut world) {}
    }
    // Three days on, the outcome is still unknown: a retry must not make a second meeting.
    world.retry();
    world.zoom.list_failures_left = 0;
    world.resolve_all();
    check(&mut world, &worker);
    assert_eq!(world.bookings.len(), 1);
}
