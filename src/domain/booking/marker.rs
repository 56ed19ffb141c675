//! The reference a booking's meeting carries at Zoom, so a meeting whose create answer was lost
//! can be recognised as this booking's — and as this deployment's — later.
//!
//! Zoom has no free metadata field (tracking fields need an admin's set-up, and the meeting list
//! returns only topic and agenda), so the agenda's last line is `Ref: ` and 16 hex characters of
//! HMAC-SHA256(BOOKING_SIGNING_KEY, "zbe.ref.v1:" + booking id). Guests read it as a booking
//! reference; the service matches it only against booking ids it knows, so a meeting made by
//! another deployment (another key) sharing the Zoom account is never taken for one of ours.

use crate::domain::booking::BookingId;
use hmac::{Hmac, Mac};
use sha2::Sha256;

const LINE_PREFIX: &str = "Ref: ";
/// Domain separation from the manage tokens, which the same key signs.
const LABEL: &str = "zbe.ref.v1:";
const HEX_CHARS: usize = 16;
/// What the marker adds to an agenda at most: a blank line, `Ref: `, 16 characters.
pub const MARKER_CHARS: usize = 2 + LINE_PREFIX.len() + HEX_CHARS;

/// A booking's reference, as its meeting's agenda carries it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Marker(String);

impl Marker {
    pub fn of(signing_key: &str, booking_id: &BookingId) -> Marker {
        let mut mac =
            Hmac::<Sha256>::new_from_slice(signing_key.as_bytes()).expect("any key length");
        mac.update(LABEL.as_bytes());
        mac.update(booking_id.as_str().as_bytes());
        let digest = mac.finalize().into_bytes();
        let hex: String = digest
            .iter()
            .take(HEX_CHARS / 2)
            .map(|b| format!("{b:02x}"))
            .collect();
        Marker(hex)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A marker as stored or sent (its hex), checked like one read from an agenda.
    pub fn parse(hex: &str) -> Option<Marker> {
        Marker::in_agenda(&format!("{LINE_PREFIX}{hex}"))
    }

    /// The agenda sent to Zoom: the guest's own text, then the reference on its last line.
    pub fn agenda(&self, guest_agenda: Option<&str>) -> String {
        match guest_agenda {
            Some(text) if !text.is_empty() => format!("{text}\n\n{LINE_PREFIX}{}", self.0),
            _ => format!("{LINE_PREFIX}{}", self.0),
        }
    }

    /// The reference on an agenda's last line, if it has one of the right shape. Whose it is
    /// is known only by comparing it with `Marker::of` a known booking id.
    pub fn in_agenda(agenda: &str) -> Option<Marker> {
        let last = agenda.trim_end().lines().last()?;
        let hex = last.trim().strip_prefix(LINE_PREFIX)?;
        let well_formed = hex.len() == HEX_CHARS
            && hex
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        well_formed.then(|| Marker(hex.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(text: &str) -> BookingId {
        text.into()
    }

    #[test]
    fn a_marker_is_sixteen_hex_characters_that_depend_on_key_and_booking() {
        let marker = Marker::of("key-one", &id("bk_1"));
        assert_eq!(marker.as_str().len(), 16);
        assert_eq!(marker, Marker::of("key-one", &id("bk_1")));
        assert_ne!(marker, Marker::of("key-two", &id("bk_1")));
        assert_ne!(marker, Marker::of("key-one", &id("bk_2")));
    }

    #[test]
    fn the_marker_is_the_agendas_last_line_and_is_read_back_from_it() {
        let marker = Marker::of("k", &id("bk_1"));
        let agenda = marker.agenda(Some("Talk about\nthe plan"));
        assert!(agenda.starts_with("Talk about\nthe plan\n\nRef: "));
        assert_eq!(Marker::in_agenda(&agenda), Some(marker.clone()));
        assert_eq!(
            Marker::in_agenda(&format!("{agenda}\n")),
            Some(marker.clone())
        );
        let alone = marker.agenda(None);
        assert_eq!(alone, format!("Ref: {}", marker.as_str()));
        assert_eq!(Marker::in_agenda(&alone), Some(marker.clone()));
        assert_eq!(marker.agenda(Some("")), alone);
        assert!(agenda.chars().count() <= "Talk about\nthe plan".len() + MARKER_CHARS);
        assert_eq!(Marker::parse(marker.as_str()), Some(marker.clone()));
        assert_eq!(Marker::parse("not hex"), None);
    }

    #[test]
    fn agendas_without_a_well_formed_last_line_have_no_marker() {
        for agenda in [
            "",
            "Just notes",
            "Ref: 0123",
            "Ref: 0123456789ABCDEF",
            "Ref: 0123456789abcdeg",
            "Ref: 0123456789abcdef\nmore text after it",
        ] {
            assert_eq!(Marker::in_agenda(agenda), None, "{agenda:?}");
        }
    }

    /// Review (see REVIEW.md): the guest's agenda is user input. A guest who copies another
    /// booking's `Ref:` line (from an invitation they received) to the end of their own agenda
    /// does not make their meeting look like that booking's, because the service's own marker
    /// is always appended after the guest's text. This holds only as long as Zoom stores the
    /// agenda whole: were Zoom (or its list endpoint) to cut the agenda short, the forged line
    /// would become the last one.
    #[test]
    fn a_forged_ref_line_in_the_guests_agenda_is_never_the_marker() {
        let victim = Marker::of("k", &id("bk_victim"));
        let mine = Marker::of("k", &id("bk_guest"));
        for forged in [
            format!("Hello\n\nRef: {}", victim.as_str()),
            format!("Ref: {}", victim.as_str()),
            format!("Ref: {}\n\n\n   ", victim.as_str()),
            format!("Ref: {}\r\n", victim.as_str()),
        ] {
            let agenda = mine.agenda(Some(&forged));
            assert_eq!(Marker::in_agenda(&agenda), Some(mine.clone()), "{forged:?}");
        }
        // What a truncated agenda would read as: the forged line.
        let forged = format!("Hello\n\nRef: {}", victim.as_str());
        let stored = mine.agenda(Some(&forged));
        let cut = &stored[..forged.len()];
        assert_eq!(Marker::in_agenda(cut), Some(victim));
    }
}
