//! `inspect`: what an observer without keys — the network, the server, the
//! person next to you — sees in an envelope. Everything printed comes from
//! the header and the sizes; nothing is decrypted or verified.

use std::io::{self, BufReader, Read};

use doormat::e2e::{
    self, Header, OpenError, PayloadCipher, SIGNATURE_BLOCK_LEN, WIDE_SENDER_SLOT_LEN,
};
use doormat::escrow::{self, LEAF_EXTENSION};
use doormat::keys::Kem;

use crate::cli::InspectArgs;
use crate::failure::{from_doormat, Code, Failure, Role};
use crate::files::Input;
use crate::keyfile::Contacts;
use doormat::armor::{self, ArmorReader};

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
        .map_err(|e| from_doormat(OpenError::Io(e), Role::Other))?;
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
    match header.payload_shape(total) {
        Some(l) => {
            println!(
                "plaintext:    {} bytes, in {} and {} (from the sizes; nothing verified)",
                l.plaintext_len,
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

/// `3 X-Wing (post-quantum)`.
fn kem_count(n: usize, kem: Kem) -> String {
    let kind = if kem.is_post_quantum() {
        "post-quantum"
    } else {
        "classical"
    };
    format!("{n} {} ({kind})", kem.name())
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
            kems.iter().map(|k| k.name()).collect::<Vec<_>>().join(" ")
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
