//! The slot picker of a type with hours: in the form only for such a type, hidden until the
//! page's script shows it, the date-and-time field kept for a page without JavaScript.

use super::*;
use crate::domain::zoom::HostUser;

const TYPES: &str = r#"[
  {"slug": "office", "title": "Office hours", "durations": [30, 60], "default_duration": 30,
   "availability": {"timezone": "Europe/London", "weekly": {"mon": ["09:00-12:00"]}}},
  {"slug": "anytime", "title": "Any time"}
]"#;

fn page_of(slug: &str) -> String {
    let types = EventTypes::parse(
        TYPES,
        "BOOKING_TYPES",
        &[HostUser::parse("h@example.com").unwrap()],
    )
    .unwrap();
    type_page(&types, slug, None, "pg_x").html
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
