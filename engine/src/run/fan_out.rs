//! Running one piece of work per host, at most `forks` at a time, on plain threads: the work
//! mostly waits on remote shells, so a thread blocked in a read costs nothing, while a
//! work-stealing pool's idle workers would spin for work on the CPUs the hosts also need.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

/// `work(item)` for every item, by up to `forks` threads; the results in the items' order.
pub fn for_each<T, R>(items: &[T], forks: usize, work: impl Fn(&T) -> R + Sync) -> Vec<R>
where
    T: Sync,
    R: Send,
{
    if items.len() <= 1 || forks <= 1 {
        return items.iter().map(work).collect();
    }
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<R>>> = Mutex::new((0..items.len()).map(|_| None).collect());
    std::thread::scope(|scope| {
        for _ in 0..forks.min(items.len()) {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(item) = items.get(i) else { break };
                let result = work(item);
                results.lock().unwrap()[i] = Some(result);
            });
        }
    });
    results
        .into_inner()
        .unwrap()
        .into_iter()
        .map(|r| r.expect("every item was worked on"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::for_each;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    #[test]
    fn results_keep_the_items_order() {
        let items: Vec<u64> = (0..50).collect();
        let out = for_each(&items, 8, |i| {
            std::thread::sleep(Duration::from_millis(50 - i));
            i * 2
        });
        assert_eq!(out, items.iter().map(|i| i * 2).collect::<Vec<_>>());
    }

    #[test]
    fn no_more_than_forks_run_at_once() {
        let running = AtomicUsize::new(0);
        let most = AtomicUsize::new(0);
        for_each(&[(); 12], 3, |_| {
            let now = running.fetch_add(1, Ordering::SeqCst) + 1;
            most.fetch_max(now, Ordering::SeqCst);
            std::thread::sleep(Duration::from_millis(20));
            running.fetch_sub(1, Ordering::SeqCst);
        });
        assert_eq!(most.load(Ordering::SeqCst), 3);
    }
}
