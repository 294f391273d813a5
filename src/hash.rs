//! The hash functions doormat uses outside HPKE, in one place.

use ring::digest::{Context, SHA256};

/// Length of a SHA-256 output.
pub(crate) const SHA256_LEN: usize = 32;

/// SHA-256 over the concatenation of `parts`.
pub(crate) fn sha256(parts: &[&[u8]]) -> [u8; SHA256_LEN] {
    let mut ctx = Context::new(&SHA256);
    for p in parts {
        ctx.update(p);
    }
    let mut out = [0u8; SHA256_LEN];
    out.copy_from_slice(ctx.finish().as_ref());
    out
}
