//! The coordinator's half of the availability answer: which of many ascending starts some host
//! could take. Each start is decided by [`free_with`] — the booking path's own rule — over the
//! meetings that can matter to it, found by one sweep over the calendars sorted by start, so a
//! month of five-minute starts against hundreds of meetings stays linear, not a product.

use super::calendar::{Buffers, HostCalendar};
use super::free_with;
use super::starts::FreeMask;
use crate::domain::booking::host_pool::Span;

/// Which of `starts` (epoch ms, ascending) a booking of `duration_minutes` with `buffers` could
/// take on `hosts` (their whole calendars over the starts' reach): the same answer as
/// `free_with(hosts, …)` for each start, in their order.
pub fn free_mask(
    starts: &[i64],
    duration_minutes: u32,
    buffers: Buffers,
    hosts: &[HostCalendar],
    daily_limit: u32,
    max_concurrent: u32,
) -> FreeMask {
    let length_ms = i64::from(duration_minutes) * 60_000;
    let reach = buffers.reach_ms();
    // Per host: its meetings by start, the next one not yet looked at, and those that may still
    // conflict with a later start.
    let sorted: Vec<Vec<Span>> = hosts
        .iter()
        .map(|h| {
            let mut meetings = h.meetings.clone();
            meetings.sort_by_key(|m| m.start_ms);
            meetings
        })
        .collect();
    let mut next = vec![0usize; hosts.len()];
    let mut near: Vec<HostCalendar> = hosts
        .iter()
        .map(|h| HostCalendar {
            used_today: h.used_today,
            meetings: Vec::new(),
        })
        .collect();
    let free: Vec<bool> = starts
        .iter()
        .map(|&start_ms| {
            let candidate = Span {
                start_ms,
                end_ms: start_ms + length_ms,
            };
            for (i, host) in near.iter_mut().enumerate() {
                // A meeting starting at or after the candidate's end plus the reach cannot conflict
                // with it (nor with an earlier start); one ending at or before its start minus the
                // reach cannot conflict with it nor with any later start.
                while let Some(m) = sorted[i].get(next[i]) {
                    if m.start_ms >= candidate.end_ms + reach {
                        break;
                    }
                    host.meetings.push(*m);
                    next[i] += 1;
                }
                host.meetings
                    .retain(|m| m.end_ms > candidate.start_ms - reach);
            }
            free_with(&near, buffers, daily_limit, max_concurrent, candidate)
        })
        .collect();
    FreeMask::of(free)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: i64 = 60_000;

    fn span(start_min: i64, end_min: i64) -> Span {
        Span {
            start_ms: start_min * MIN,
            end_ms: end_min * MIN,
        }
    }

    /// A small deterministic generator (no dependency): xorshift.
    struct Random(u64);
    impl Random {
        fn below(&mut self, n: u64) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0 % n
        }
    }

    #[test]
    fn the_sweep_answers_as_free_with_over_whole_calendars_for_random_calendars() {
        let mut random = Random(0x1505_2026);
        for round in 0..300 {
            let hosts: Vec<HostCalendar> = (0..1 + random.below(3))
                .map(|_| HostCalendar {
                    used_today: if random.below(6) == 0 { 100 } else { 0 },
                    meetings: (0..random.below(12))
                        .map(|_| {
                            let start = random.below(24 * 60) as i64;
                            span(start, start + 5 + random.below(240) as i64)
                        })
                        .collect(),
                })
                .collect();
            let buffers = Buffers::of_minutes(random.below(40) as u32, random.below(40) as u32);
            let duration = 5 + random.below(60) as u32;
            let step = 5 * (1 + random.below(12) as i64);
            let starts: Vec<i64> = (0..(24 * 60 / step)).map(|k| k * step * MIN).collect();
            let concurrent = 1 + random.below(2) as u32;
            let swept = free_mask(&starts, duration, buffers, &hosts, 100, concurrent);
            let whole: Vec<bool> = starts
                .iter()
                .map(|&s| {
                    let candidate = Span {
                        start_ms: s,
                        end_ms: s + i64::from(duration) * MIN,
                    };
                    free_with(&hosts, buffers, 100, concurrent, candidate)
                })
                .collect();
            assert_eq!(swept, FreeMask::of(whole), "round {round}");
        }
    }

    #[test]
    fn a_meeting_blocks_its_buffer_and_a_long_one_blocks_every_start_it_covers() {
        let host = HostCalendar {
            used_today: 0,
            meetings: vec![span(600, 630), span(0, 24 * 60)],
        };
        let starts: Vec<i64> = [540, 570, 600, 630, 660].iter().map(|m| m * MIN).collect();
        // One host, two meetings at once: the all-day meeting alone leaves room; where the 10:00
        // meeting or the 10 minutes kept after it also conflict, there is none.
        let mask = free_mask(&starts, 30, Buffers::of_minutes(0, 10), &[host], 100, 2);
        assert_eq!(
            mask.free(&[540, 570, 600, 630, 660]),
            vec![540, 660],
            "09:30 would leave no 10 minutes before 10:00; 10:30 starts inside 10:00's buffer"
        );
    }
}
