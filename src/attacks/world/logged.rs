//! A generator wrapper that logs what it hands out, for the quantum oracle.

use std::sync::Mutex;

use crate::random::{CryptoRng, RngCore};

/// A generator that copies every 32-byte piece of its output into a log.
pub(super) struct Logged<'l, R> {
    pub(super) inner: R,
    pub(super) log: Option<&'l Mutex<Vec<[u8; 32]>>>,
}

impl<R: RngCore> RngCore for Logged<'_, R> {
    fn next_u32(&mut self) -> u32 {
        self.inner.next_u32()
    }

    fn next_u64(&mut self) -> u64 {
        self.inner.next_u64()
    }

    fn fill_bytes(&mut self, dest: &mut [u8]) {
        self.inner.fill_bytes(dest);
        self.record(dest);
    }

    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> core::result::Result<(), rand_core::Error> {
        self.inner.try_fill_bytes(dest)?;
        self.record(dest);
        Ok(())
    }
}

impl<R> Logged<'_, R> {
    fn record(&self, bytes: &[u8]) {
        if let Some(log) = self.log {
            let mut log = log
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            log.extend(
                bytes
                    .chunks_exact(32)
                    .map(|c| <[u8; 32]>::try_from(c).expect("32 bytes")),
            );
        }
    }
}

impl<R: CryptoRng> CryptoRng for Logged<'_, R> {}
