//! The one parallel loop of the envelope: chunks in memory, chunks of a
//! streaming batch, stanzas. The caller's thread takes items too, so work
//! starts at once even when the pool's threads are asleep (waking them
//! costs tens of microseconds here, as long as sealing a 64 KiB chunk),
//! and items are handed out one at a time, so cores that run at different
//! speeds (a shared machine) finish together.

/// The pool's size: rayon's global pool, or one thread without `parallel`.
pub(crate) fn threads() -> usize {
    #[cfg(feature = "parallel")]
    {
        rayon::current_num_threads()
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
    let helpers = threads().min(items.len()).saturating_sub(1);
    if helpers == 0 {
        return items
            .into_iter()
            .enumerate()
            .map(|(i, x)| f(i, x))
            .collect();
    }
    #[cfg(feature = "parallel")]
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
        rayon::in_place_scope(|scope| {
            for _ in 0..helpers {
                scope.spawn(|_| work());
            }
            work();
        });
        let mut done = done.into_inner().unwrap_or_else(PoisonError::into_inner);
        done.sort_unstable_by_key(|(i, _)| *i);
        done.into_iter().map(|(_, result)| result).collect()
    }
    #[cfg(not(feature = "parallel"))]
    unreachable!("one thread needs no helpers")
}

#[cfg(test)]
mod tests {
    use super::map;

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
}
