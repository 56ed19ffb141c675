//! Load from many threads at once, for the concurrency scenarios and the benchmark.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Barrier;

/// Runs jobs `0..total` from `workers` threads that start together, each taking the next job
/// number as it finishes one; returns every job's result.
pub fn run_concurrently<T: Send>(
    workers: usize,
    total: usize,
    job: impl Fn(usize) -> T + Sync,
) -> Vec<T> {
    let start = Barrier::new(workers);
    let next = AtomicUsize::new(0);
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                scope.spawn(|| {
                    start.wait();
                    let mut results = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::SeqCst);
                        if i >= total {
                            break results;
                        }
                        results.push(job(i));
                    }
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("a worker thread panicked"))
            .collect()
    })
}
