//! The slot picker of a type with hours: in the form only for such a type, hidden until the
//! page's script shows it, the date-and-time field kept for a page without JavaScript.

use super::*;
use crate::domain::api_error::{FieldError, FieldErrorKind};

const TYPES: &str = r#"[
  {"slug": "office", "title": "Office hours", "durations": [30, 60], "default_duration": 30,
   "availability": {"timezone": "Europe/London", "weekly": {"mon": ["09:00-12:00"]}}},
  {"slug": "anytime", "title": "Any time"}
]"#;

fn types() -> EventTypes {
    super::type_tests::types_of(TYPES)
}

fn page_of(slug: &str) -> String {
    type_page(&types(), slug, None, "pg_x").html
}

/// The page's own script (`when.js` included).
fn script() -> String {
    let page = page_of("office");
    let (_, rest) = page.split_once("<script>").unwrap();
    rest.split_once("</script>").unwrap().0.to_owned()
}

#[test]
fn a_type_with_hours_gets_a_hidden_picker_after_its_zone_and_length() {
    let page = page_of("office");
    let picker = page
        .find("<fieldset id=\"picker\" hidden>")
        .expect("a picker");
    assert!(page.find("id=\"timezone\"").unwrap() < picker);
    assert!(page.find("id=\"duration-error\"").unwrap() < picker);
    for part in [
        "<legend id=\"picker-zone\">",
        "<button type=\"button\" id=\"prev\">Earlier week</button>",
        "<button type=\"button\" id=\"next\">Later week</button>",
        "<div id=\"days\"></div>",
        "<p id=\"slots-note\" role=\"status\"></p>",
    ] {
        assert!(page[picker..].contains(part), "{part}");
    }
    // The note ("Loading…", "that time was just taken") above the week, where it is seen
    // without scrolling past seven days of times.
    assert!(page.find("id=\"slots-note\"").unwrap() < page.find("id=\"days\"").unwrap());
    // Without JavaScript, the date and time are typed as before.
    assert!(page.contains("<label for=\"start_time\">Date and time</label>"));
    assert!(page.contains("type=\"datetime-local\""));
}

#[test]
fn a_type_without_hours_keeps_the_date_and_time_field_alone() {
    let page = page_of("anytime");
    assert!(!page.contains("id=\"picker\"") && page.contains("type=\"datetime-local\""));
}

#[test]
fn the_picker_runs_in_the_one_script_every_form_has() {
    let csp = |html: &str| content_security_policy(html, false);
    assert_eq!(csp(&page_of("office")), csp(&page_of("anytime")));
}

#[test]
fn the_script_asks_the_availability_api_and_books_the_picked_time_as_given() {
    let page = page_of("office");
    for part in [
        "fetch(\"/v1/availability?\" + new URLSearchParams({type:",
        "timezone: z",
        "duration: form.elements.duration.value",
        // A picked time is the slot's RFC 3339 string itself, offset included.
        "radio.name = \"start_time\"; radio.value = s;",
        // The visitor's zone, detected, is the zone the times are listed and booked in.
        "Intl.DateTimeFormat().resolvedOptions().timeZone",
        "that time was just taken",
    ] {
        assert!(page.contains(part), "{part}");
    }
}

#[test]
fn the_script_writes_text_never_markup() {
    // Type titles, zone names, API messages and slot strings reach the page as text only.
    let script = script();
    for sink in [
        "innerHTML",
        "outerHTML",
        "insertAdjacentHTML",
        "document.write",
        "eval(",
        "setAttribute(\"on",
    ] {
        assert!(!script.contains(sink), "{sink}");
    }
}

#[test]
fn the_script_guards_against_late_lost_and_stale_answers() {
    let script = script();
    for part in [
        // An answer to an older question (a week clicked past) is dropped, as is its failure.
        "mine = ++asked",
        // A fetch that hangs gives the date-and-time field back after 15 s.
        "AbortSignal.timeout(15e3)",
        // Hidden, the picker's radios are disabled: a time picked before the field came back
        // is not sent along with the typed one.
        "pick.hidden = pick.disabled = !on",
        // A zone Intl cannot name is none: the times are listed in the type's zone, which then
        // fills the field the booking sends.
        "zoneFormat(zone = Intl.DateTimeFormat().resolvedOptions().timeZone || \"\")",
        "if (!tz.value.trim()) tz.value = r.body.timezone;",
        // The read limit's 429 is named, not a generic failure.
        "e.code === \"too_many_requests\"",
        // After a refused booking the list is fetched again and the first time is focused.
        "if (refocus) (days.querySelector(\"input\") || byId(\"next\")).focus();",
    ] {
        assert!(script.contains(part), "{part}");
    }
    assert_eq!(script.matches("if (mine !== asked) return;").count(), 2);
}

#[test]
fn without_javascript_a_time_outside_the_hours_comes_back_typed_and_marked() {
    let err = ApiError::InvalidField(FieldError::new(
        "start_time",
        FieldErrorKind::OutsideAvailability,
        "'start_time' is outside the hours this type is offered.",
    ));
    let body = b"type=office&name=Ada&email=ada%40example.com&start_time=2030-01-05T07%3A00\
        &timezone=Europe%2FLondon&duration=60";
    let page = refused_form(&types(), body, &err, None, "pg_new").unwrap();
    assert_eq!(page.status, 422);
    let html = &page.html;
    assert!(html.contains(
        "<input id=\"start_time\" name=\"start_time\" required aria-invalid=\"true\" \
         aria-describedby=\"start_time-error\" type=\"datetime-local\" value=\"2030-01-05T07:00\">"
    ));
    assert!(html.contains("outside the hours this type is offered."));
    assert!(html.contains("<code>outside_availability</code>"));
    assert!(html.contains("<option value=\"60\" selected>60 minutes</option>"));
    // The picker is still there for a browser with JavaScript, hidden.
    assert!(html.contains("<fieldset id=\"picker\" hidden>"));
}
