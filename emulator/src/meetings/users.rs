//! The account's users as the meeting API sees them: `me` and known emails, each with a fixed
//! host id and personal meeting ID.

use crate::http::Reply;
use crate::state::State;

/// Resolves `me` and known users to (index, email); `Err` is Zoom's 404 code 1001.
pub(super) fn resolve(state: &State, user: &str) -> Result<(usize, String), Reply> {
    let users = &state.settings.users;
    let found = if user == "me" {
        users.first().map(|u| (0, u.clone()))
    } else {
        users
            .iter()
            .position(|u| u.eq_ignore_ascii_case(user))
            .map(|i| (i, users[i].clone()))
    };
    found.ok_or_else(|| Reply::zoom_error(404, 1001, format!("User does not exist: {user}.")))
}

/// A user's personal meeting ID: ten digits, fixed per user.
pub(super) fn personal_meeting_id(index: usize) -> String {
    (5_000_000_000u64 + index as u64 * 1_111_111).to_string()
}

pub(super) fn host_id(index: usize) -> String {
    format!("EmuHost{index:02}xQ")
}
