//! Zoom webhooks: proving a delivery is Zoom's, reading it, and applying it to a booking.

pub mod acknowledgement;
pub mod config;
pub mod effects;
pub mod event;
pub mod signature;

/// Largest webhook body accepted. Zoom's biggest events (recordings with many files) are tens
/// of kilobytes.
pub const MAX_WEBHOOK_BODY_BYTES: usize = 256 * 1024;
