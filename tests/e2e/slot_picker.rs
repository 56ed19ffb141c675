//! The booking page's slot picker (issue 15) in Chromium, on the `availability` stack
//! (`availability.rs`): `tests/browser/slot_picker.mjs` books the first time `/book/solo`
//! offers, sees it and the time its buffer blocks gone after a reload, and loses a race for
//! the next one to a booking made through the API; then, on answers it makes up itself, that
//! markup stays text, a repeated hour shows both instants, a late answer never replaces a
//! newer one, a lost read or a 429 gives the field back, a 409 focuses the first time listed
//! again, and a zone `Intl` cannot name lists the type's.

use crate::page::{assert_screenshots, run_browser_script};
use testbed::Stack;

pub fn a_visitor_books_the_first_offered_time_and_sees_it_gone(stack: &Stack) {
    let created = |stack: &Stack| stack.stats()["meetings_created"].as_u64().unwrap();
    let before = created(stack);
    let out = run_browser_script(stack, "slot_picker.mjs");
    let line = |prefix: &str| {
        out.lines()
            .find_map(|l| l.strip_prefix(prefix))
            .unwrap_or_else(|| panic!("no '{prefix}' line:\n{out}"))
            .to_owned()
    };
    let (booked, joined) = (line("booked: "), line("joined: "));
    // The page's booking and the one that won the race: two meetings, no third for the form
    // that lost it.
    assert_eq!(created(stack) - before, 2, "{out}");
    let meetings = stack.meetings();
    let meeting = meetings
        .iter()
        .find(|m| m["join_url"] == joined.as_str())
        .unwrap_or_else(|| panic!("{joined} is not at Zoom: {meetings:?}"));
    // At the instant picked, in the visitor's zone.
    let start = |s: &str| chrono::DateTime::parse_from_rfc3339(s).unwrap();
    assert_eq!(
        start(meeting["start_time"].as_str().unwrap()),
        start(&booked),
        "{meeting}"
    );
    assert_eq!(meeting["timezone"], "America/New_York", "{meeting}");
    assert_screenshots(&[
        "slot-picker",
        "slot-picker-picked",
        "slot-picker-booked",
        "slot-picker-taken",
        "slot-picker-mobile",
        "slot-picker-made-up",
    ]);
}
