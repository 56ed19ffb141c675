//! Candidate starts as the worker sends them to the coordinator, and the answer back: compact
//! on the wire (a month of a type without hours is thousands of starts, mostly evenly spaced).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Ascending starts as runs of `(first, step, count)` in epoch milliseconds.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Starts(Vec<(i64, i64, u32)>);

/// Most starts one question may carry: 62 days of 5-minute steps, repeated hours included.
pub const MAX_STARTS: usize = 62 * 24 * 12 + 64;

impl Starts {
    pub fn of(starts: &[DateTime<Utc>]) -> Starts {
        let mut runs: Vec<(i64, i64, u32)> = Vec::new();
        for ms in starts.iter().map(DateTime::timestamp_millis) {
            match runs.last_mut() {
                Some((first, step, count)) if *count == 1 => {
                    *step = ms - *first;
                    *count = 2;
                }
                Some((first, step, count)) if *first + *step * i64::from(*count) == ms => {
                    *count += 1;
                }
                _ => runs.push((ms, 0, 1)),
            }
        }
        Starts(runs)
    }

    /// The starts, in epoch milliseconds; `None` when there are more than [`MAX_STARTS`] (a
    /// coordinator never expands a message into unbounded work).
    pub fn expand(&self) -> Option<Vec<i64>> {
        let total: u64 = self.0.iter().map(|r| u64::from(r.2)).sum();
        if total > MAX_STARTS as u64 {
            return None;
        }
        Some(
            self.0
                .iter()
                .flat_map(|&(first, step, count)| {
                    (0..i64::from(count)).map(move |k| first + step * k)
                })
                .collect(),
        )
    }
}

/// Which of the starts asked about are free, in their order: `1` free, `0` taken.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct FreeMask(String);

impl FreeMask {
    pub fn of(free: impl IntoIterator<Item = bool>) -> FreeMask {
        FreeMask(
            free.into_iter()
                .map(|f| if f { '1' } else { '0' })
                .collect(),
        )
    }

    /// The starts marked free; a mask shorter than `starts` leaves the rest out.
    pub fn free<T: Copy>(&self, starts: &[T]) -> Vec<T> {
        starts
            .iter()
            .zip(self.0.bytes())
            .filter(|(_, b)| *b == b'1')
            .map(|(s, _)| *s)
            .collect()
    }
}
