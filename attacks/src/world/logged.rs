//! A generator wrapper that logs what it hands out, for the quantum oracle.

use std::sync::Mutex;

use doormat::random::{TryCryptoRng, TryRng};

/// A generator that copies every 32-byte piece of its output into a log.
pub(super) struct Logged<'l, R> {
    pub(super) inner: R,
    pub(super) log: Option<&'l Mutex<Vec<[u8; 32]>>>,
}

impl<R: TryRng> TryRng for Logged<'_, R> {
    type Error = R::Error;

    fn try_next_u32(&mut self) -> Result<u32, R::Error> {
        self.inner.try_next_u32()
    }

    fn try_next_u64(&mut self) -> Result<u64, R::Error> {
        self.inner.try_next_u64()
    }

    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), R::Error> {
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

impl<R: TryCryptoRng> TryCryptoRng for Logged<'_, R> {}
