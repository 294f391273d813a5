//! # Tour: one message, sealed end to end, then with a key under the doormat
//!
//! Run it with `cargo run --release --example tour` (well under a second; no
//! network, no files). It walks up the crate's layers: an RFC 9180 HPKE round
//! trip; an end-to-end envelope from Alice to Bob and Carol that Eve cannot
//! open; the same message sealed by the *escrowed twin*, which Bob reads
//! exactly as before and which an escrow authority reads without being a
//! recipient; the authority's key copied as text by an insider, a foreign
//! service and a ransomware gang, each copy reading a whole archive, and the
//! same key rebuilt from 2 of 3 custody shares; and last a who-can-read-what
//! matrix in which every cell is an `open` call made during this run.
//!
//! The historical anchor is the Clipper chip (announced 1993, FIPS 185 in
//! 1994): every chip sent a Law Enforcement Access Field, and each chip's key
//! was escrowed in two halves with two agents, NIST and the Treasury
//! Department's Automated Systems Division. The RSA Laboratories crypto FAQ
//! of the time already warned that "the escrow agencies are likely to be one
//! of the major targets for anyone trying to compromise the Clipper system"
//! (Question 153, <http://altlasten.lutz.donnerhacke.de/mitarb/lutz/security/cryptfaq/q153.html>).
//! The crate is named after "Keys Under Doormats" (Abelson et al., MIT CSAIL
//! technical report, July 2015), and Bruce Schneier put the lesson in one
//! line: "If security is deliberately weakened, it will be weakened for
//! everybody." (Lawfare, 2019, via Harvard BKC,
//! <https://cyber.harvard.edu/story/2019-08/myth-consumer-security>).
//!
//! What to watch for: Bob's view does not change when escrow is added; the
//! only visible trace is a few dozen bytes of access field. The authority's
//! `open` takes the envelope and nothing else, so the row for the stolen
//! copy of its key is identical to the authority's own row: the mathematics
//! has no place to check a warrant. Split custody changes who must be
//! breached, not what the rebuilt key can do.
//!
//! Not covered here (later examples will take one attack each): forging the
//! 16-bit access field, superencryption, key substitution, ghost users,
//! kleptographic RNGs, export-grade keys.

use std::time::Instant;

use doormat::e2e::{self, Opened};
use doormat::escrow::{self, EscrowAuthority, EscrowKey, KeyShare, LEAF_EXTENSION, LEAF_LEN};
use doormat::hpke::{self, Aead, Kdf, PrivateKey, ReceiverMode, SenderMode, Suite};
use doormat::keys::{safety_number, Fingerprint, Identity, PublicIdentity};
use doormat::{Error, Result};

/// Width of the label column in the narrated sections.
const W: usize = 21;

/// Names for the public identities this tour knows, so output can say who
/// a verified sender or recipient is.
struct Directory(Vec<(String, PublicIdentity)>);

impl Directory {
    fn add(&mut self, name: &str, id: &Identity) {
        self.0.push((name.to_string(), id.public()));
    }

    fn name_of(&self, who: &PublicIdentity) -> &str {
        self.0
            .iter()
            .find(|(_, p)| p == who)
            .map_or("an unknown sender", |(n, _)| n.as_str())
    }

    fn names_of(&self, fingerprints: &[Fingerprint]) -> String {
        fingerprints
            .iter()
            .map(|fp| {
                self.0
                    .iter()
                    .find(|(_, p)| p.fingerprint() == *fp)
                    .map_or("someone unknown", |(n, _)| n.as_str())
            })
            .collect::<Vec<_>>()
            .join(", ")
    }
}

fn heading(title: &str) {
    println!("\n{title}\n{}", "-".repeat(title.len()));
}

fn text(bytes: &[u8]) -> String {
    format!("\"{}\"", String::from_utf8_lossy(bytes))
}

fn main() -> Result<()> {
    let started = Instant::now();
    let title = "doormat tour: keys under doormats, in code";
    println!("{title}\n{}", "=".repeat(title.len()));

    // ------------------------------------------------------------------
    heading("1. HPKE (RFC 9180): a message to a public key");
    let suite = Suite::new(Kdf::HkdfSha256, Aead::ChaCha20Poly1305);
    let id = suite.suite_id();
    println!(
        "{:W$}{} kem 0x{:04x} kdf 0x{:04x} aead 0x{:04x}  ({:?}, {:?})",
        "suite_id",
        String::from_utf8_lossy(&id[..4]),
        u16::from_be_bytes([id[4], id[5]]),
        u16::from_be_bytes([id[6], id[7]]),
        u16::from_be_bytes([id[8], id[9]]),
        suite.kdf,
        suite.aead,
    );
    let sk_recip = PrivateKey::generate();
    let pk_recip = sk_recip.public_key();
    println!("{:W$}{}", "pk_recip", hex::encode(pk_recip.as_bytes()));
    let info = b"doormat tour, section 1";
    let aad = b"sent over an open network";
    let msg_hpke = b"hello from RFC 9180";
    let (enc, mut ctx_sender) = hpke::setup_sender(suite, &SenderMode::Base, &pk_recip, info)?;
    let ct = ctx_sender.seal(aad, msg_hpke)?;
    println!(
        "{:W$}{} ({} bytes) -> enc {} bytes + ciphertext {} bytes",
        "setup_sender+seal",
        text(msg_hpke),
        msg_hpke.len(),
        enc.len(),
        ct.len()
    );
    let mut ctx_recip = hpke::setup_receiver(suite, &ReceiverMode::Base, &enc, &sk_recip, info)?;
    let pt_hpke = ctx_recip.open(aad, &ct)?;
    println!(
        "{:W$}{} (decrypted just now)",
        "setup_receiver+open",
        text(&pt_hpke)
    );
    let export_sender = ctx_sender.export(b"tour exporter", 32)?;
    let export_recip = ctx_recip.export(b"tour exporter", 32)?;
    let exports_equal = *export_sender == *export_recip;
    println!(
        "{:W$}both sides derived the same {}-byte secret: {} (not printed)",
        "export",
        export_sender.len(),
        yes_no(exports_equal)
    );
    let sk_other = PrivateKey::generate();
    let other = hpke::setup_receiver(suite, &ReceiverMode::Base, &enc, &sk_other, info)
        .and_then(|mut ctx| ctx.open(aad, &ct));
    println!("{:W$}{}", "someone else's key", outcome(&other));
    assert_eq!(pt_hpke, msg_hpke);
    assert!(exports_equal);
    assert!(matches!(other, Err(Error::OpenFailed)));

    // ------------------------------------------------------------------
    heading("2. End to end: Alice writes to Bob and Carol; Eve listens");
    let (alice, bob, carol, eve) = (
        Identity::generate(),
        Identity::generate(),
        Identity::generate(),
        Identity::generate(),
    );
    let mut directory = Directory(Vec::new());
    for (name, who) in [
        ("Alice", &alice),
        ("Bob", &bob),
        ("Carol", &carol),
        ("Eve", &eve),
    ] {
        directory.add(name, who);
        println!("{name:W$}fingerprint {}", who.public().fingerprint());
    }
    let sn_ab = safety_number(&alice.public(), &bob.public());
    assert_eq!(sn_ab, safety_number(&bob.public(), &alice.public()));
    println!("{:W$}{sn_ab}", "safety no. Alice-Bob");
    println!(
        "{:W$}(each computes the same number; they compare it once, aloud)",
        ""
    );

    let message = b"Meet me at the bridge at nine.";
    let to_bob_carol = [bob.public(), carol.public()];
    let clean = e2e::seal(&alice, &to_bob_carol, message)?;
    println!(
        "{:W$}{} bytes of plaintext -> envelope of {} bytes ({} bytes of overhead)",
        "e2e::seal",
        message.len(),
        clean.len(),
        clean.len() - message.len()
    );
    let mut e2e_views = Vec::new();
    for (name, who) in [("Bob", &bob), ("Carol", &carol)] {
        let opened = e2e::open(who, &clean)?;
        println!(
            "{:W$}reads {} from {} (signature verified)",
            name,
            text(opened.plaintext()),
            directory.name_of(opened.sender()),
        );
        println!(
            "{:W$}the signed recipient list: {}",
            "",
            directory.names_of(opened.recipients())
        );
        assert_eq!(opened.plaintext(), message);
        assert_eq!(opened.sender(), &alice.public());
        e2e_views.push(opened);
    }
    let eve_clean = e2e::open(&eve, &clean);
    println!("{:W$}{}", "Eve", outcome(&eve_clean));
    assert!(matches!(eve_clean, Err(Error::NotARecipient)));

    // ------------------------------------------------------------------
    heading("3. The escrowed twin: the same call, plus the authority's key");
    let authority = EscrowAuthority::generate();
    let escrow_key = authority.public_key();
    println!("{:W$}{}", "escrow key", escrow_key.fingerprint());
    let escrowed = escrow::seal(&alice, &to_bob_carol, &escrow_key, message)?;
    let size_difference = escrowed.len() - clean.len();
    println!(
        "{:W$}{} bytes of plaintext -> envelope of {} bytes",
        "escrow::seal",
        message.len(),
        escrowed.len()
    );
    let mut same_views = 0;
    for ((name, who), before) in [("Bob", &bob), ("Carol", &carol)]
        .into_iter()
        .zip(&e2e_views)
    {
        let opened = escrow::open(who, &authority.public_key(), &escrowed)?;
        let same = same_view(&opened, before);
        same_views += usize::from(same);
        println!(
            "{:W$}reads {} from {}; same view as E2E: {}",
            name,
            text(opened.plaintext()),
            directory.name_of(opened.sender()),
            yes_no(same)
        );
    }
    let eve_escrowed = escrow::open(&eve, &authority.public_key(), &escrowed);
    println!("{:W$}{}", "Eve", outcome(&eve_escrowed));
    let seized = authority.open(&escrowed)?;
    println!(
        "{:W$}reads {} from {}",
        "escrow authority",
        text(seized.plaintext()),
        directory.name_of(seized.sender()),
    );
    println!(
        "{:W$}yet the recipients are {}; its open() took only the envelope",
        "",
        directory.names_of(seized.recipients())
    );
    let leaf_len = seized.extension(LEAF_EXTENSION).map_or(0, <[u8]>::len);
    println!(
        "{:W$}{} - {} = {} bytes: a {}-byte access field + {} bytes framing",
        "size difference",
        escrowed.len(),
        clean.len(),
        size_difference,
        leaf_len,
        size_difference - leaf_len
    );
    assert_eq!(same_views, 2);
    assert!(matches!(eve_escrowed, Err(Error::NotARecipient)));
    assert_eq!(seized.plaintext(), message);
    assert_eq!(seized.sender(), &alice.public());
    assert_eq!(leaf_len, LEAF_LEN);

    // ------------------------------------------------------------------
    heading("4. The key is just bytes");
    // An archive: what a wiretap, a server or a backup collects over time.
    let users: Vec<(String, Identity)> = (1..=8)
        .map(|i| (format!("user {i}"), Identity::generate()))
        .collect();
    for (name, who) in &users {
        directory.add(name, who);
    }
    let mut archive: Vec<(Vec<u8>, Vec<u8>, PublicIdentity)> = Vec::new();
    let seal_some = |archive: &mut Vec<_>, range: std::ops::Range<usize>| -> Result<()> {
        for i in range {
            let s = i % users.len();
            let a = 1 + i % 7;
            let b = a % 7 + 1;
            let (r1, r2) = ((s + a) % users.len(), (s + b) % users.len());
            let recipients = [users[r1].1.public(), users[r2].1.public()];
            let msg = format!(
                "{} to {} and {}: note #{i}",
                users[s].0, users[r1].0, users[r2].0
            );
            let env = escrow::seal(&users[s].1, &recipients, &escrow_key, msg.as_bytes())?;
            archive.push((env, msg.into_bytes(), users[s].1.public()));
        }
        Ok(())
    };
    seal_some(&mut archive, 0..40)?;
    let before_leak = archive.len();

    let secret_text = authority.to_secret_string();
    println!(
        "{:W$}as text: {} characters, a prefix and 64 hex digits (not shown)",
        "authority key",
        secret_text.len()
    );
    let holders = ["insider", "foreign service", "ransomware gang"];
    let mut copies = Vec::new();
    for holder in holders {
        let copy: EscrowAuthority = secret_text.parse()?;
        println!(
            "{:W$}copies it: {}, same key: {}",
            holder,
            copy.public_key().fingerprint(),
            yes_no(copy == authority)
        );
        copies.push((holder, copy));
    }
    drop(secret_text);
    seal_some(&mut archive, 40..48)?;
    println!(
        "{:W$}{} escrowed envelopes among {} users, {} before the copies, {} after",
        "archive",
        archive.len(),
        users.len(),
        before_leak,
        archive.len() - before_leak
    );
    let authority_reads = count_read(&authority, &archive);
    println!("{:W$}(a read = the true plaintext and the true sender)", "");
    println!(
        "{:W$}reads {authority_reads}/{}",
        "escrow authority",
        archive.len()
    );
    let mut copy_reads = Vec::new();
    for (holder, copy) in &copies {
        let n = count_read(copy, &archive);
        println!("{:W$}reads {n}/{}", holder, archive.len());
        copy_reads.push(n);
    }

    println!();
    println!("Split custody, 2 of 3. Clipper gave each of two agents (NIST, the Treasury)");
    println!("half of every chip key; here the authority key becomes 3 Shamir shares.");
    let custodians = ["agent 1 (NIST)", "agent 2 (Treasury)", "agent 3 (backup)"];
    let shares = authority.split(2, 3)?;
    // Each custodian files their share as text, and later brings it back.
    let filed: Vec<_> = shares.iter().map(KeyShare::to_secret_string).collect();
    let returned: Vec<KeyShare> = filed.iter().map(|s| s.parse()).collect::<Result<_>>()?;
    for (custodian, share) in custodians.iter().zip(&returned) {
        println!(
            "{:W$}holds share {} of {} (threshold {})",
            custodian,
            share.index(),
            returned.len(),
            share.threshold()
        );
    }
    let alone = EscrowAuthority::recover(&returned[..1]);
    match &alone {
        Ok(_) => println!("{:W$}rebuilds the key ALONE", "agent 1 alone"),
        Err(e) => println!("{:W$}cannot rebuild it: {e}", "agent 1 alone"),
    }
    assert!(matches!(
        alone,
        Err(Error::TooFewShares { needed: 2, got: 1 })
    ));
    let mut recovered_reads = Vec::new();
    for (i, j) in [(0, 1), (0, 2), (1, 2)] {
        let rebuilt = EscrowAuthority::recover(&[returned[i].clone(), returned[j].clone()])?;
        let n = count_read(&rebuilt, &archive);
        println!(
            "{:W$}rebuild the key (same key: {}); it reads {n}/{}",
            format!("agents {} + {}", i + 1, j + 1),
            yes_no(rebuilt == authority),
            archive.len()
        );
        assert!(rebuilt == authority);
        recovered_reads.push(n);
    }
    assert_eq!(authority_reads, archive.len());
    assert_eq!(copy_reads, vec![archive.len(); copies.len()]);
    assert_eq!(recovered_reads, vec![archive.len(); 3]);

    // ------------------------------------------------------------------
    heading("5. Who can read what (every cell: an open() call made just now)");
    let other_authority = EscrowAuthority::generate();
    let readers = [
        (
            "Bob (recipient)",
            Reader::Person(&bob, authority.public_key()),
        ),
        (
            "Eve (outsider)",
            Reader::Person(&eve, authority.public_key()),
        ),
        ("escrow authority", Reader::KeyHolder(&authority)),
        ("stolen copy of its key", Reader::KeyHolder(&copies[0].1)),
        ("a different authority", Reader::KeyHolder(&other_authority)),
    ];
    let columns = [
        ("clean E2E envelope", &clean, false),
        ("escrowed envelope", &escrowed, true),
    ];

    struct Cell {
        text: String,
        plaintext: Option<Vec<u8>>,
    }
    let mut legend: Vec<(String, String)> = Vec::new();
    let rows: Vec<(&str, Vec<Cell>)> = readers
        .iter()
        .map(|(name, reader)| {
            let cells = columns
                .iter()
                .map(
                    |(_, env, is_escrowed)| match reader.open(env, *is_escrowed) {
                        Ok(o) if o.plaintext() == message => Cell {
                            text: "reads".into(),
                            plaintext: Some(o.into_plaintext()),
                        },
                        Ok(o) => Cell {
                            text: "opens, WRONG plaintext".into(),
                            plaintext: Some(o.into_plaintext()),
                        },
                        Err(e) => {
                            let short = format!("{e:?}");
                            if !legend.iter().any(|(s, _)| *s == short) {
                                legend.push((short.clone(), e.to_string()));
                            }
                            Cell {
                                text: format!("cannot read: {short}"),
                                plaintext: None,
                            }
                        }
                    },
                )
                .collect();
            (*name, cells)
        })
        .collect();
    let w0 = rows.iter().map(|(n, _)| n.len()).max().unwrap_or(0) + 2;
    let w1 = rows
        .iter()
        .map(|(_, c)| c[0].text.len())
        .chain([columns[0].0.len()])
        .max()
        .unwrap_or(0)
        + 2;
    println!("{:w0$}{:w1$}{}", "reader", columns[0].0, columns[1].0);
    let w2 = rows
        .iter()
        .map(|(_, c)| c[1].text.len())
        .chain([columns[1].0.len()])
        .max()
        .unwrap_or(0);
    println!("{}", "-".repeat(w0 + w1 + w2));
    for (name, cells) in &rows {
        println!("{:w0$}{:w1$}{}", name, cells[0].text, cells[1].text);
    }
    println!();
    for (short, long) in &legend {
        println!("  {short:w$}{long}", w = W + 2);
    }

    // ------------------------------------------------------------------
    heading("Lessons (each asserted on the values computed above)");
    let reads = |col: usize| -> Vec<&str> {
        rows.iter()
            .filter(|(_, c)| c[col].plaintext.as_deref() == Some(&message[..]))
            .map(|(n, _)| *n)
            .collect()
    };
    let clean_readers = reads(0);
    let escrowed_readers = reads(1);
    assert_eq!(clean_readers, ["Bob (recipient)"]);
    println!(
        "ok  the clean envelope was read by {} of {} readers: {}",
        clean_readers.len(),
        rows.len(),
        clean_readers.join(", ")
    );
    assert_eq!(
        escrowed_readers,
        [
            "Bob (recipient)",
            "escrow authority",
            "stolen copy of its key"
        ]
    );
    println!(
        "ok  the escrowed one by {} of {}: {}",
        escrowed_readers.len(),
        rows.len(),
        escrowed_readers.join(", ")
    );
    let (auth_row, stolen_row) = (&rows[2].1, &rows[3].1);
    let identical_rows = auth_row
        .iter()
        .zip(stolen_row)
        .all(|(a, s)| a.text == s.text && a.plaintext == s.plaintext);
    assert!(identical_rows);
    println!("ok  the stolen copy's row is identical to the authority's, cell for cell");
    assert_eq!(same_views, 2);
    println!(
        "ok  Bob and Carol saw the same message, sender and recipients; the envelope grew {size_difference} bytes"
    );
    let total_copy_reads: usize = copy_reads.iter().sum();
    assert_eq!(total_copy_reads, copies.len() * archive.len());
    println!(
        "ok  {} copies read {total_copy_reads}/{} archived envelopes, sealed before and after the leak",
        copies.len(),
        copies.len() * archive.len()
    );
    println!(
        "ok  any 2 of 3 custody shares rebuilt the key ({} rebuilds, each read {}/{}); 1 could not",
        recovered_reads.len(),
        recovered_reads[0],
        archive.len()
    );
    println!(
        "\ntour finished in {:.2} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Someone trying to read an envelope. People open clean envelopes with
/// `e2e::open` and escrowed ones with `escrow::open`, a client that complies
/// with the authority; a holder of the escrow key has only
/// `EscrowAuthority::open`, which takes the envelope and nothing else.
enum Reader<'a> {
    Person(&'a Identity, EscrowKey),
    KeyHolder(&'a EscrowAuthority),
}

impl Reader<'_> {
    fn open(&self, envelope: &[u8], is_escrowed: bool) -> Result<Opened> {
        match self {
            Reader::Person(who, authority) if is_escrowed => escrow::open(who, authority, envelope),
            Reader::Person(who, _) => e2e::open(who, envelope),
            Reader::KeyHolder(key) => key.open(envelope),
        }
    }
}

fn yes_no(b: bool) -> &'static str {
    if b {
        "yes"
    } else {
        "NO"
    }
}

/// "reads" or "cannot read: <why>", for an open the caller just made.
fn outcome<T>(r: &Result<T>) -> String {
    match r {
        Ok(_) => "reads".to_string(),
        Err(e) => format!("cannot read: {e}"),
    }
}

/// Whether two opened envelopes show a recipient the same thing.
fn same_view(a: &Opened, b: &Opened) -> bool {
    a.plaintext() == b.plaintext() && a.sender() == b.sender() && a.recipients() == b.recipients()
}

/// How many archived envelopes `key` opens to the true plaintext and sender.
fn count_read(key: &EscrowAuthority, archive: &[(Vec<u8>, Vec<u8>, PublicIdentity)]) -> usize {
    archive
        .iter()
        .filter(|(env, msg, sender)| {
            key.open(env)
                .is_ok_and(|o| o.plaintext() == &msg[..] && o.sender() == sender)
        })
        .count()
}
