//! The one header parser: every length and count is checked against its
//! bound *before* anything is allocated for it.

use std::io::{self, Read};

use super::*;

impl Header {
    /// Parses the header at the start of `envelope` (the rest is ignored):
    /// what an observer without keys can read. Nothing is authenticated yet.
    ///
    /// ```
    /// use doormat::{e2e, keys::Identity};
    ///
    /// let (alice, bob) = (Identity::generate(), Identity::generate());
    /// let envelope = e2e::seal(&alice, &[bob.public()], b"hi")?;
    /// let header = e2e::Header::parse(&envelope)?;
    /// assert_eq!(header.stanza_count(), 1);
    /// assert_eq!(header.cipher(), e2e::PayloadCipher::ChaCha20Poly1305);
    /// # Ok::<(), doormat::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`Header::read_from`].
    pub fn parse(mut envelope: &[u8]) -> Result<Header> {
        Header::read_from(&mut envelope)
    }

    /// Reads and validates a header from `r`, consuming exactly its bytes.
    ///
    /// # Errors
    ///
    /// [`OpenError::NotAnEnvelope`](Error::NotAnEnvelope),
    /// [`OpenError::UnsupportedVersion`](Error::UnsupportedVersion),
    /// [`OpenError::UnsupportedSuite`](Error::UnsupportedSuite),
    /// [`OpenError::MalformedHeader`](Error::MalformedHeader), or
    /// [`OpenError::Io`](Error::Io) from the reader.
    pub fn read_from(r: &mut impl Read) -> Result<Header> {
        let mut fixed = [0u8; FIXED_LEN];
        let got = read_up_to(r, &mut fixed)?;
        if got < MAGIC.len() || &fixed[..MAGIC.len()] != MAGIC {
            return Err(Error::NotAnEnvelope);
        }
        if got <= MAGIC.len() {
            return Err(Error::MalformedHeader("truncated header"));
        }
        let version = fixed[MAGIC.len()];
        if version != VERSION {
            return Err(Error::UnsupportedVersion(version));
        }
        if got < FIXED_LEN {
            return Err(Error::MalformedHeader("truncated header"));
        }
        let suite = u16::from_be_bytes([fixed[8], fixed[9]]);
        let cipher = PayloadCipher::from_id(suite).ok_or(Error::UnsupportedSuite(suite))?;
        let flags = fixed[10];
        if flags & !KNOWN_FLAGS != 0 {
            return Err(Error::MalformedHeader("unknown header flags"));
        }
        let key_ids = flags & FLAG_KEY_IDS != 0;
        let layout = match (
            flags & FLAG_POST_QUANTUM != 0,
            flags & FLAG_STANZA_KINDS != 0,
        ) {
            (false, false) => StanzaLayout::Classical,
            (true, false) => StanzaLayout::PostQuantum,
            (false, true) => StanzaLayout::Mixed,
            (true, true) => return Err(Error::MalformedHeader("conflicting stanza flags")),
        };
        if layout != StanzaLayout::Classical && flags & FLAG_WIDE_SENDER == 0 {
            return Err(Error::MalformedHeader(
                "post-quantum stanzas without the wide sender slot",
            ));
        }
        let chunk_size = u32::from_be_bytes([fixed[11], fixed[12], fixed[13], fixed[14]]);
        if !(MIN_CHUNK_SIZE..=MAX_CHUNK_SIZE).contains(&chunk_size) {
            return Err(Error::MalformedHeader("chunk size out of range"));
        }
        let checkpoint_interval = u32::from_be_bytes([fixed[15], fixed[16], fixed[17], fixed[18]]);
        if !checkpoint_interval_fits(checkpoint_interval, chunk_size) {
            return Err(Error::MalformedHeader("checkpoint interval out of range"));
        }
        let count = usize::from(u16::from_be_bytes([fixed[19], fixed[20]]));
        if count == 0 || count > MAX_RECIPIENTS {
            return Err(Error::MalformedHeader("recipient count out of range"));
        }

        let (stanzas, stanza_bytes) = read_stanzas(r, layout, key_ids, count)?;
        if has_duplicates(stanzas.iter().map(|s| s.enc.as_slice())) {
            return Err(Error::MalformedHeader("duplicate stanza"));
        }

        let mut ext_len = [0u8; 4];
        read_header_exact(r, &mut ext_len)?;
        let ext_len = u32::from_be_bytes(ext_len) as usize;
        let core_len = FIXED_LEN + stanza_bytes.len();
        if ext_len > MAX_HEADER_LEN - core_len - 4 {
            return Err(Error::MalformedHeader("header longer than 1 MiB"));
        }
        let mut ext_bytes = vec![0u8; ext_len];
        read_header_exact(r, &mut ext_bytes)?;
        let extensions = parse_extensions(&ext_bytes)?;

        let mut core = Vec::with_capacity(core_len);
        core.extend_from_slice(&fixed);
        core.extend_from_slice(&stanza_bytes);
        // The parse was strict, so re-serializing gives back the input bytes.
        Header::finish(
            cipher,
            chunk_size,
            checkpoint_interval,
            stanzas,
            core,
            extensions,
        )
        .map_err(|_| Error::MalformedHeader("extensions out of order or duplicated"))
    }
}

/// Reads `count` stanzas laid out as `layout`, each read only after the
/// header so far plus it is known to fit in [`MAX_HEADER_LEN`]. Returns them
/// with their exact bytes.
fn read_stanzas(
    r: &mut impl Read,
    layout: StanzaLayout,
    key_ids: bool,
    count: usize,
) -> Result<(Vec<Stanza>, Vec<u8>)> {
    let too_long = || Error::MalformedHeader("header longer than 1 MiB");
    if let Some(kem) = match layout {
        StanzaLayout::Classical => Some(Kem::X25519),
        StanzaLayout::PostQuantum => Some(Kem::XWing),
        StanzaLayout::Mixed => None,
    } {
        // One allocation, bounded: at most 1 MiB.
        let len = Stanza::len(kem, key_ids);
        if FIXED_LEN + count * len + 4 > MAX_HEADER_LEN {
            return Err(too_long());
        }
        let mut bytes = vec![0u8; count * len];
        read_header_exact(r, &mut bytes)?;
        let stanzas = bytes
            .chunks_exact(len)
            .map(|s| Stanza::from_bytes(kem, key_ids, s))
            .collect();
        return Ok((stanzas, bytes));
    }
    let mut bytes = Vec::new();
    let mut stanzas = Vec::with_capacity(count);
    for _ in 0..count {
        let mut kind = [0u8; KIND_LEN];
        read_header_exact(r, &mut kind)?;
        let kem = Kem::from_id(u16::from_be_bytes(kind))
            .ok_or(Error::MalformedHeader("unknown stanza kind"))?;
        let len = Stanza::len(kem, key_ids);
        if FIXED_LEN + bytes.len() + KIND_LEN + len + 4 > MAX_HEADER_LEN {
            return Err(too_long());
        }
        let start = bytes.len();
        bytes.extend_from_slice(&kind);
        bytes.resize(start + KIND_LEN + len, 0);
        read_header_exact(r, &mut bytes[start + KIND_LEN..])?;
        stanzas.push(Stanza::from_bytes(kem, key_ids, &bytes[start + KIND_LEN..]));
    }
    if StanzaLayout::of(&stanzas) != StanzaLayout::Mixed {
        // Canonical: kinds are written only when both occur.
        return Err(Error::MalformedHeader("stanza kinds on unmixed stanzas"));
    }
    Ok((stanzas, bytes))
}

/// Extension records: `type u16 | len u32 | body`, types strictly increasing
/// (so canonical, and no duplicates), no trailing bytes.
fn parse_extensions(mut bytes: &[u8]) -> Result<Vec<(u16, Vec<u8>)>> {
    let mut out: Vec<(u16, Vec<u8>)> = Vec::new();
    while !bytes.is_empty() {
        if bytes.len() < 6 {
            return Err(Error::MalformedHeader("truncated extension"));
        }
        let ext_type = u16::from_be_bytes([bytes[0], bytes[1]]);
        let len = u32::from_be_bytes([bytes[2], bytes[3], bytes[4], bytes[5]]) as usize;
        bytes = &bytes[6..];
        if len > bytes.len() {
            return Err(Error::MalformedHeader("extension longer than the header"));
        }
        if out.last().is_some_and(|(t, _)| *t >= ext_type) {
            return Err(Error::MalformedHeader(
                "extensions out of order or duplicated",
            ));
        }
        out.push((ext_type, bytes[..len].to_vec()));
        bytes = &bytes[len..];
    }
    Ok(out)
}

/// Reads until `buf` is full or the reader ends; returns how much was read.
/// A misbehaving reader that reports more bytes than it was given room for
/// is clamped to the room, never trusted into an out-of-bounds slice.
pub(crate) fn read_up_to(r: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match r.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n.min(buf.len() - filled),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

/// `read_exact` for header fields: an early end is a malformed header.
fn read_header_exact(r: &mut impl Read, buf: &mut [u8]) -> Result<()> {
    if read_up_to(r, buf)? < buf.len() {
        return Err(Error::MalformedHeader("truncated header"));
    }
    Ok(())
}
