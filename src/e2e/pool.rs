//! The one parallel loop of the envelope: chunks in memory, chunks of a
//! streaming batch, stanzas. The caller's thread takes items too, so work
//! starts at once even when the pool's threads are asleep (waking them
//! costs tens of microseconds here, as long as sealing a 64 KiB chunk),
//! and items are handed out one at a time, so cores that run at different
//! speeds (a shared machine) finish together.

/// Where parallel work runs.
#[cfg(feature = "parallel")]
pub(crate) enum Workers {
    /// The rayon pool the caller is already running in: nesting into
    /// another pool from a worker would make that worker steal more of its
    /// own pool's jobs while it waits, and recurse until its stack runs out.
    Current,
    /// doormat's own pool, for callers outside any rayon pool.
    Own(&'static rayon::ThreadPool),
}

#[cfg(feature = "parallel")]
impl Workers {
    /// How many threads the pool has.
    pub(crate) fn threads(&self) -> usize {
        match self {
            Workers::Current => rayon::current_num_threads(),
            Workers::Own(pool) => pool.current_num_threads(),
        }
    }

    /// Whether a caller may leave jobs on the pool while it waits for them
    /// on a channel, not by helping: yes on doormat's pool, whose threads
    /// never wait so; no on the caller's own pool. A rayon thread blocked
    /// on a channel runs nothing, so if every thread of the caller's pool
    /// streamed at once, each would wait for a job queued behind another
    /// waiting thread and none would ever finish.
    pub(crate) fn may_wait(&self) -> bool {
        matches!(self, Workers::Own(_))
    }

    /// `in_place_scope` on the pool.
    pub(crate) fn in_place_scope<'scope, OP, R>(&self, op: OP) -> R
    where
        OP: FnOnce(&rayon::Scope<'scope>) -> R,
    {
        match self {
            Workers::Current => rayon::in_place_scope(op),
            Workers::Own(pool) => pool.in_place_scope(op),
        }
    }
}

/// The pool parallel work runs on: the caller's rayon pool if it is in one,
/// else doormat's own, started on first use — [`own_pool_size`] threads,
/// else at most two, else one. `None` if the
/// system refuses even one thread: then everything runs on the caller's
/// thread. A system that refuses threads (a process or address-space
/// limit) gets a slower envelope, never a panic, which is what rayon's
/// global pool gives on its first use.
#[cfg(feature = "parallel")]
pub(crate) fn workers() -> Option<Workers> {
    use std::sync::OnceLock;

    static OWN: OnceLock<Option<rayon::ThreadPool>> = OnceLock::new();
    if rayon::current_thread_index().is_some() {
        return Some(Workers::Current);
    }
    OWN.get_or_init(|| {
        let build = |threads: usize| {
            rayon::ThreadPoolBuilder::new()
                .thread_name(|i| format!("doormat-worker-{i}"))
                .num_threads(threads)
                .build()
                .ok()
        };
        let threads = own_pool_size();
        build(threads)
            .or_else(|| build(threads.min(2)))
            .or_else(|| build(1))
    })
    .as_ref()
    .map(Workers::Own)
}

/// How many threads doormat's own pool starts: as many as rayon would
/// (`RAYON_NUM_THREADS` if it is a positive number, else one per core), but
/// no more than an address-space limit holds.
#[cfg(feature = "parallel")]
fn own_pool_size() -> usize {
    let asked = std::env::var("RAYON_NUM_THREADS")
        .ok()
        .and_then(|n| n.trim().parse::<usize>().ok())
        .filter(|&n| n > 0)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    address_space_limit().map_or(asked, |limit| asked.min(threads_that_fit(limit)))
}

/// How many pool threads an address-space limit (`ulimit -v`) of `limit`
/// bytes holds: 64 MiB for the rest of the program, then 136 MiB a thread;
/// at least one. A thread costs far more address space than its stack: the
/// C library gives each thread that allocates an arena of its own, 64 MiB
/// (128 while it is made). And a thread that starts while others make
/// theirs, and finds no room for the signal stack the Rust runtime gives
/// every thread, makes the runtime abort the whole process, which no error
/// path can catch (seen with 16 threads under `ulimit -v 300000`, about one
/// run in 75).
#[cfg(feature = "parallel")]
fn threads_that_fit(limit: u64) -> usize {
    const BASE: u64 = 64 << 20;
    const PER_THREAD: u64 = 136 << 20;
    usize::try_from(limit.saturating_sub(BASE) / PER_THREAD)
        .unwrap_or(usize::MAX)
        .max(1)
}

/// The soft limit on the process's address space in bytes, from
/// `/proc/self/limits`; `None` when there is none or it cannot be read.
#[cfg(all(feature = "parallel", target_os = "linux"))]
fn address_space_limit() -> Option<u64> {
    let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
    parse_address_space_limit(&limits)
}

/// Not read off Linux.
#[cfg(all(feature = "parallel", not(target_os = "linux")))]
fn address_space_limit() -> Option<u64> {
    None
}

/// The soft limit of the line `Max address space  SOFT  HARD  bytes` in
/// the text of `/proc/self/limits`: `None` for `unlimited` or no such line.
#[cfg(feature = "parallel")]
fn parse_address_space_limit(limits: &str) -> Option<u64> {
    let line = limits
        .lines()
        .find_map(|l| l.strip_prefix("Max address space"))?;
    line.split_whitespace().next()?.parse().ok()
}

/// How many threads work on a batch: the pool's, or one (the caller's)
/// without `parallel` or without a pool.
pub(crate) fn threads() -> usize {
    #[cfg(feature = "parallel")]
    {
        workers().map_or(1, |w| w.threads())
    }
    #[cfg(not(feature = "parallel"))]
    {
        1
    }
}

/// Runs `f(i, item_i)` over `items`, on this thread and the pool's, and
/// returns the results in order. The first error in item order wins, as
/// in a loop, whatever order the items ran in.
pub(crate) fn map<I, T, E, F>(items: Vec<I>, f: F) -> Result<Vec<T>, E>
where
    I: Send,
    T: Send,
    E: Send,
    F: Fn(usize, I) -> Result<T, E> + Sync,
{
    #[cfg(feature = "parallel")]
    if let Some(pool) = workers() {
        let helpers = pool.threads().min(items.len()).saturating_sub(1);
        if helpers > 0 {
            return map_on(&pool, helpers, items, f);
        }
    }
    items
        .into_iter()
        .enumerate()
        .map(|(i, x)| f(i, x))
        .collect()
}

/// [`map`] on `pool`, with `helpers` of its threads beside this one.
#[cfg(feature = "parallel")]
fn map_on<I, T, E, F>(pool: &Workers, helpers: usize, items: Vec<I>, f: F) -> Result<Vec<T>, E>
where
    I: Send,
    T: Send,
    E: Send,
    F: Fn(usize, I) -> Result<T, E> + Sync,
{
    use std::sync::{Mutex, PoisonError};

    let count = items.len();
    let queue = Mutex::new(items.into_iter().enumerate());
    let done = Mutex::new(Vec::with_capacity(count));
    let work = || loop {
        // The lock is held only to take an item or to file a result.
        let next = queue.lock().unwrap_or_else(PoisonError::into_inner).next();
        let Some((i, item)) = next else { break };
        let result = f(i, item);
        done.lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push((i, result));
    };
    pool.in_place_scope(|scope| {
        for _ in 0..helpers {
            scope.spawn(|_| work());
        }
        work();
    });
    let mut done = done.into_inner().unwrap_or_else(PoisonError::into_inner);
    done.sort_unstable_by_key(|(i, _)| *i);
    done.into_iter().map(|(_, result)| result).collect()
}

#[cfg(test)]
mod tests {
    use super::map;
    use std::collections::HashSet;
    use std::sync::{Condvar, Mutex};
    use std::time::{Duration, Instant};

    /// A test's own error: the pool is generic over it.
    #[derive(Debug, PartialEq)]
    struct Failed(&'static str);

    /// Results come back in item order, whoever ran each item, and the
    /// error of the lowest failing item wins even when higher ones fail
    /// first (they are quicker here).
    #[test]
    fn results_in_order_first_error_wins() {
        let squares = map((0..1000u64).collect(), |i, x| {
            assert_eq!(i as u64, x);
            Ok::<_, Failed>(x * x)
        })
        .unwrap();
        assert_eq!(squares, (0..1000u64).map(|x| x * x).collect::<Vec<_>>());

        for _ in 0..20 {
            let r = map((0..64u32).collect(), |_, x| {
                if x == 40 {
                    std::thread::sleep(std::time::Duration::from_millis(2));
                    return Err(Failed("item 40"));
                }
                if x > 40 {
                    return Err(Failed("a later item"));
                }
                Ok(x)
            });
            assert_eq!(r, Err(Failed("item 40")));
        }
    }

    /// Where doormat's own pool has two threads or more (two cores, and
    /// neither `RAYON_NUM_THREADS` of one nor an address-space limit that
    /// holds only one thread), the items run on more than one thread: the first item to start waits, up to
    /// ten seconds, for a second thread to take one, so a loop that runs
    /// everything on the caller's thread fails here however busy the pool
    /// is with other tests.
    #[cfg(feature = "parallel")]
    #[test]
    fn items_run_on_the_pool_too() {
        if super::own_pool_size() < 2 {
            return;
        }
        let seen = (Mutex::new(HashSet::new()), Condvar::new());
        let deadline = Instant::now() + Duration::from_secs(10);
        map((0..64u32).collect(), |_, _| {
            let (lock, arrived) = &seen;
            let mut threads = lock.lock().unwrap();
            threads.insert(std::thread::current().id());
            arrived.notify_all();
            while threads.len() < 2 {
                let left = deadline.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    break;
                }
                threads = arrived.wait_timeout(threads, left).unwrap().0;
            }
            Ok::<_, Failed>(())
        })
        .unwrap();
        let threads = seen.0.into_inner().unwrap().len();
        assert!(threads >= 2, "{threads} thread ran the items");
    }

    /// Told nothing and unlimited, the own pool has a thread per core, and
    /// a limit is read where `/proc/self/limits` shows one (the CLI's
    /// `throughput` tests cover `RAYON_NUM_THREADS` and the cap itself).
    #[cfg(all(feature = "parallel", target_os = "linux"))]
    #[test]
    fn the_own_pool_has_a_thread_per_core_by_default() {
        let limits = std::fs::read_to_string("/proc/self/limits").expect("limits");
        let unlimited = limits.lines().any(|l| {
            l.starts_with("Max address space") && l.split_whitespace().nth(3) == Some("unlimited")
        });
        assert_eq!(super::address_space_limit().is_none(), unlimited);
        if let Some(limit) = super::address_space_limit() {
            assert!(limit > 1 << 20, "a limit of {limit} bytes");
        }
        if !unlimited || std::env::var_os("RAYON_NUM_THREADS").is_some() {
            assert!(super::own_pool_size() >= 1);
            return;
        }
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        assert_eq!(super::own_pool_size(), cores);
    }

    #[cfg(feature = "parallel")]
    #[test]
    fn threads_fit_an_address_space_limit() {
        use super::{parse_address_space_limit, threads_that_fit};

        assert_eq!(threads_that_fit(0), 1);
        assert_eq!(threads_that_fit(300_000 << 10), 1);
        assert_eq!(threads_that_fit(400_000 << 10), 2);
        assert_eq!(threads_that_fit(1_000_000 << 10), 6);
        assert!(threads_that_fit(u64::MAX) > 1 << 20);

        let limits = "Limit                     Soft Limit           Hard Limit           Units     \n\
                      Max stack size            8388608              unlimited            bytes     \n\
                      Max address space         307200000            unlimited            bytes     \n";
        assert_eq!(parse_address_space_limit(limits), Some(307_200_000));
        let unlimited = limits.replace("307200000", "unlimited");
        assert_eq!(parse_address_space_limit(&unlimited), None);
        assert_eq!(parse_address_space_limit("Max stack size 1 2 bytes"), None);
    }
}
