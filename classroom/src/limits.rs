//! How much the room holds, and how fast a phone may act: every bound is
//! here, and every request that would cross one is refused with a clear
//! message (see [`Refusal`](crate::Refusal)).

use std::time::{Duration, Instant};

/// The room's bounds. [`Limits::default`] is sized for a class of up to 64
/// and a 45-minute lesson; the server's memory stays bounded whatever the
/// students send.
#[derive(Clone, Debug)]
pub struct Limits {
    /// Phones in the room, teacher excluded.
    pub max_students: usize,
    /// Messages the room keeps; then sending is refused until a reset.
    pub max_messages: usize,
    /// Bytes of one message's text (UTF-8).
    pub max_message_len: usize,
    /// Characters of a student's name.
    pub max_name_chars: usize,
    /// Bytes of any request body (JSON included).
    pub max_body_len: usize,
    /// Live-update streams open at once (every open page holds one).
    pub max_streams: usize,
    /// Actions (send, answer, share, rebuild) a phone may make in a burst…
    pub burst: u32,
    /// …and then one per this interval.
    pub refill: Duration,
    /// Rows of the room's traffic a phone's page shows (the newest).
    pub shown_messages: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_students: 64,
            max_messages: 2_000,
            max_message_len: 4 * 1024,
            max_name_chars: 32,
            max_body_len: 16 * 1024,
            max_streams: 256,
            burst: 10,
            refill: Duration::from_millis(500),
            shown_messages: 60,
        }
    }
}

/// A token bucket: `burst` actions at once, then one per `refill`.
#[derive(Debug)]
pub(crate) struct Bucket {
    tokens: u32,
    last: Instant,
}

impl Bucket {
    /// A full bucket.
    pub(crate) fn full(limits: &Limits) -> Bucket {
        Bucket {
            tokens: limits.burst,
            last: Instant::now(),
        }
    }

    /// Takes one token if there is one.
    pub(crate) fn take(&mut self, limits: &Limits) -> bool {
        let now = Instant::now();
        let refill = limits.refill.as_nanos().max(1);
        let earned = now.duration_since(self.last).as_nanos() / refill;
        let missing = limits.burst.saturating_sub(self.tokens);
        if earned >= u128::from(missing) {
            self.tokens = limits.burst;
            self.last = now;
        } else if let Ok(earned @ 1..) = u32::try_from(earned) {
            // Keep the remainder: a steady client is not charged for jitter.
            self.tokens += earned;
            self.last += limits.refill * earned;
        }
        if self.tokens == 0 {
            return false;
        }
        self.tokens -= 1;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bucket_allows_its_burst_then_refuses() {
        let limits = Limits {
            burst: 3,
            refill: Duration::from_secs(3600),
            ..Limits::default()
        };
        let mut bucket = Bucket::full(&limits);
        assert!((0..3).all(|_| bucket.take(&limits)));
        assert!(!bucket.take(&limits));
    }

    #[test]
    fn a_bucket_refills_with_time() {
        let limits = Limits {
            burst: 1,
            refill: Duration::from_millis(20),
            ..Limits::default()
        };
        let mut bucket = Bucket::full(&limits);
        assert!(bucket.take(&limits));
        assert!(!bucket.take(&limits));
        std::thread::sleep(Duration::from_millis(45));
        assert!(bucket.take(&limits));
    }
}
