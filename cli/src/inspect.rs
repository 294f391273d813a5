//! `inspect`: what an observer without keys — the network, the server, the
//! person next to you — sees in an envelope. Everything printed comes from
//! the header and the sizes; nothing is decrypted or verified.

use std::io::{self, BufReader, Read};

use doormat::e2e::{
    self, Header, PayloadCipher, CHECKPOINT_LEN, SIGNATURE_BLOCK_LEN, WIDE_SENDER_SLOT_LEN,
};
use doormat::escrow::{self, LEAF_EXTENSION};
use doormat::hpke::TAG_LEN;
use doormat::keys::Kem;

use crate::armor::{self, ArmorReader};
use crate::cli::InspectArgs;
use crate::failure::{from_doormat, Code, Failure, Role};
use crate::files::Input;
use crate::keyfile::Contacts;

/// Counts the bytes read through it.
struct Counting<R> {
    inner: R,
    count: u64,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count += n as u64;
        Ok(n)
    }
}

/// Where the bytes of a payload go, worked out from its length.
#[derive(Debug, PartialEq, Eq)]
struct Layout {
    plaintext: u64,
    chunks: u64,
    checkpoints: u64,
}

/// The payload layout of a sealed payload of `len` bytes (chunks and
/// checkpoints), or `None` if no payload has that length. See
/// `docs/FORMAT.md`: a checkpoint follows every `interval` chunks but the
/// last, and the last chunk holds 0 to `chunk` bytes.
fn layout(len: u64, chunk: u64, interval: u64) -> Option<Layout> {
    let tag = TAG_LEN as u64;
    let sealed_chunk = chunk + tag;
    let group = interval * sealed_chunk + CHECKPOINT_LEN as u64;
    let groups = len / group;
    let rest = len - groups * group;
    if rest < tag || rest > interval * sealed_chunk {
        return None;
    }
    let in_last_group = rest.div_ceil(sealed_chunk);
    let last = rest - (in_last_group - 1) * sealed_chunk;
    if last < tag {
        return None;
    }
    let chunks = groups * interval + in_last_group;
    Some(Layout {
        plaintext: (chunks - 1) * chunk + last - tag,
        chunks,
        checkpoints: (chunks - 1) / interval,
    })
}

/// `inspect`.
pub fn inspect(args: &InspectArgs, contacts: &Contacts) -> Result<(), Failure> {
    let input = Input::open(args.input.as_deref())?;
    let name = input.name.clone();
    let (head, reader) = input.peek(armor::PEEK_LEN)?;
    let armored = armor::is_armored(&head);
    let reader: Box<dyn Read> = if armored {
        Box::new(ArmorReader::new(BufReader::new(reader)))
    } else {
        reader
    };
    let mut reader = Counting {
        inner: reader,
        count: 0,
    };
    let header = Header::read_from(&mut reader).map_err(|e| from_doormat(e, Role::Other))?;
    io::copy(&mut reader, &mut io::sink())
        .map_err(|e| from_doormat(doormat::Error::Io(e), Role::Other))?;
    let total = reader.count;

    let encoding = if armored { "armored" } else { "binary" };
    println!(
        "envelope:     doormat, format version {}, {encoding}",
        e2e::VERSION
    );
    let cipher = match header.cipher() {
        PayloadCipher::ChaCha20Poly1305 => "ChaCha20-Poly1305",
        PayloadCipher::Aes256Gcm => "AES-256-GCM",
    };
    println!(
        "cipher:       {cipher} (suite 0x{:04x})",
        header.cipher().id()
    );
    println!(
        "chunks:       {} bytes, a signed checkpoint every {} chunks",
        header.chunk_size(),
        header.checkpoint_interval()
    );
    let n = header.stanza_count();
    if header.has_key_ids() {
        println!("recipients:   {n}, marked with key ids (anyone with a candidate's public key can test them)");
        println!("key ids:      {}", key_ids(&header).join(" "));
    } else {
        println!("recipients:   {n}, not named (no key ids)");
    }
    println!("stanzas:      {}", stanza_kinds(&header));
    print_extensions(&header, contacts);
    println!("post-quantum: {}", post_quantum(&header));

    if header.has_wide_sender_slot() {
        println!(
            "sender:       in the wide slot ({WIDE_SENDER_SLOT_LEN} bytes), which does not tell \
             the sender's kind"
        );
    }
    let sender_block = header.sealed_sender_block_len() as u64;
    let header_len = header.as_bytes().len() as u64;
    let fixed = header_len + sender_block + SIGNATURE_BLOCK_LEN as u64;
    let payload = total.checked_sub(fixed);
    println!(
        "size:         {total} bytes: header {header_len}, sealed sender block {sender_block}, \
         payload {}, signature block {SIGNATURE_BLOCK_LEN}",
        payload.map_or("?".into(), |p| p.to_string())
    );
    let found = payload.and_then(|p| {
        layout(
            p,
            u64::from(header.chunk_size()),
            u64::from(header.checkpoint_interval()),
        )
    });
    match found {
        Some(l) => {
            println!(
                "plaintext:    {} bytes, in {} and {} (from the sizes; nothing verified)",
                l.plaintext,
                count(l.chunks, "chunk"),
                count(l.checkpoints, "checkpoint")
            );
            Ok(())
        }
        None => {
            println!("plaintext:    unknown: no envelope has this length");
            Err(Failure::new(
                Code::Invalid,
                format!("{name}: envelope is truncated (or has bytes appended)"),
            ))
        }
    }
}

/// `1 chunk`, `2 chunks`.
fn count(n: u64, what: &str) -> String {
    if n == 1 {
        format!("{n} {what}")
    } else {
        format!("{n} {what}s")
    }
}

/// The KEM of every stanza, in order.
fn kems(header: &Header) -> Vec<Kem> {
    (0..header.stanza_count())
        .map(|i| header.stanza_kem(i).expect("a stanza below the count"))
        .collect()
}

/// A KEM's name.
fn kem_name(kem: Kem) -> &'static str {
    match kem {
        Kem::X25519 => "X25519",
        Kem::XWing => "X-Wing",
    }
}

/// `3 X-Wing (post-quantum)`.
fn kem_count(n: usize, kem: Kem) -> String {
    let kind = if kem.is_post_quantum() {
        "post-quantum"
    } else {
        "classical"
    };
    format!("{n} {} ({kind})", kem_name(kem))
}

/// The kind of every stanza: a count when they are all of one kind, and
/// each in order when they are mixed (the header then names each one's
/// KEM to every observer).
fn stanza_kinds(header: &Header) -> String {
    let kems = kems(header);
    let pq = kems.iter().filter(|k| k.is_post_quantum()).count();
    match (pq, kems.len() - pq) {
        (n, 0) => kem_count(n, Kem::XWing),
        (0, n) => kem_count(n, Kem::X25519),
        (pq, classical) => format!(
            "{} and {}, mixed, each marked with its kind: {}",
            kem_count(pq, Kem::XWing),
            kem_count(classical, Kem::X25519),
            kems.iter()
                .map(|k| kem_name(*k))
                .collect::<Vec<_>>()
                .join(" ")
        ),
    }
}

/// Whether a future quantum computer that records the envelope reads it:
/// through a classical stanza, or through a classical access field.
fn post_quantum(header: &Header) -> String {
    let kems = kems(header);
    let classical = kems.iter().filter(|k| !k.is_post_quantum()).count();
    let field = escrow::named_key(header).map(|k| k.kem());
    let mut weak = Vec::new();
    if classical == kems.len() {
        weak.push("every stanza is classical (X25519)".to_string());
    } else if classical > 0 {
        weak.push(format!(
            "{classical} of {} stanzas {} classical (X25519)",
            kems.len(),
            if classical == 1 { "is" } else { "are" }
        ));
    }
    if field == Some(Kem::X25519) {
        weak.push("the escrow access field is classical (X25519)".to_string());
    }
    if weak.is_empty() {
        let field = if field.is_some() {
            ", and so is the escrow access field"
        } else {
            ""
        };
        format!("yes: every stanza is X-Wing{field}")
    } else {
        format!(
            "no: {}: a future quantum computer that records this envelope reads it",
            weak.join(", and ")
        )
    }
}

/// The key id of every stanza, in hex.
fn key_ids(header: &Header) -> Vec<String> {
    (0..header.stanza_count())
        .filter_map(|i| header.stanza_key_id(i))
        .map(|id| id.iter().map(|b| format!("{b:02x}")).collect())
        .collect()
}

/// Every extension, and whether (and to whom) the envelope is escrowed.
fn print_extensions(header: &Header, contacts: &Contacts) {
    let extensions: Vec<(u16, &[u8])> = header.extensions().collect();
    println!("extensions:   {}", extensions.len());
    for (ext_type, body) in &extensions {
        let [hi, lo] = ext_type.to_be_bytes();
        let ascii = if hi.is_ascii_graphic() && lo.is_ascii_graphic() {
            format!(" \"{}{}\"", hi as char, lo as char)
        } else {
            String::new()
        };
        let what = if *ext_type == LEAF_EXTENSION {
            "escrow access field (LEAF)"
        } else {
            "unknown to this doormat"
        };
        println!("  0x{ext_type:04x}{ascii}: {} bytes, {what}", body.len());
    }
    match header.extension(LEAF_EXTENSION) {
        None => {
            println!("escrowed:     no (a clean end-to-end envelope: no authority can open it)")
        }
        Some(_) => match escrow::named_key(header) {
            Some(key) => println!(
                "escrowed:     yes, to authority {}: whoever holds its key reads this",
                contacts.describe(&key.fingerprint())
            ),
            None => println!("escrowed:     an access field that names no valid key (forged?)"),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The layout of a plaintext of `len` bytes, worked forward.
    fn sealed_len(len: u64, chunk: u64, interval: u64) -> u64 {
        let chunks = len.div_ceil(chunk).max(1);
        len + chunks * TAG_LEN as u64 + (chunks - 1) / interval * CHECKPOINT_LEN as u64
    }

    #[test]
    fn layout_inverts_the_sealed_length() {
        for (chunk, interval) in [(64, 1), (64, 3), (65536, 64)] {
            for len in [0, 1, 63, 64, 65, 128, 191, 192, 193, 1000, 200_000] {
                let sealed = sealed_len(len, chunk, interval);
                let l = layout(sealed, chunk, interval).expect("a valid length");
                assert_eq!(l.plaintext, len, "chunk {chunk} interval {interval}");
                assert_eq!(l.chunks, len.div_ceil(chunk).max(1));
            }
        }
    }

    #[test]
    fn impossible_lengths_have_no_layout() {
        assert_eq!(layout(15, 64, 1), None);
        // One full chunk, its checkpoint, and nothing after it.
        assert_eq!(layout(80 + CHECKPOINT_LEN as u64, 64, 1), None);
    }
}
