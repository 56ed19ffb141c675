//! Bookings: validating submissions, choosing a host, idempotency, owner tokens, and the ledger
//! record kept by the coordinator.

pub mod access;
pub mod attendance;
pub mod email;
pub mod give_back;
pub mod host_pool;
pub mod id;
pub mod idempotency;
pub mod manage_token;
pub mod marker;
pub mod owner_limits;
pub mod reconcile;
pub mod record;
pub mod replay;
pub mod request;
pub mod reschedule;
pub mod reschedule_outcome;
pub mod reservation;
pub mod saga;
pub mod submit_limits;

pub use attendance::{Attendance, AttendanceTotals};
pub use email::EmailAddress;
pub use id::BookingId;
pub use record::{BookingRecord, BookingStatus, MeetingDetails, Recording};
pub use request::{body_kind, parse_booking, Answer, BodyKind, ValidBooking, MAX_BODY_BYTES};
