//! Bookings: validating submissions and the ledger record kept by the coordinator.

pub mod record;
pub mod request;

pub use record::{
    booking_id_from_random, is_booking_id, Attendance, BookingRecord, BookingStatus,
    MeetingDetails, Recording,
};
pub use request::{body_kind, parse_booking, BodyKind, ValidBooking, MAX_BODY_BYTES};
