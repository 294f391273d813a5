//! # Tour: one message, sealed end to end, then with a key under the doormat
//!
//! Run it with `cargo run --release --example tour` (two or three seconds; no
//! network, no files). It walks up the crate's layers: an RFC 9180 HPKE round
//! trip; an end-to-end envelope from Alice to Bob and Carol that Eve cannot
//! open; the same message sealed by the *escrowed twin*, which Bob reads
//! exactly as before and which an escrow authority reads without being a
//! recipient; the authority's key copied as text by an insider, a foreign
//! service and a ransomware gang, each copy reading a whole archive, and the
//! same key rebuilt from 2 of 3 custody shares; then a who-can-read-what
//! matrix in which every cell is a decryption attempt made during this run —
//! for the envelope, its escrowed twin and a message of a forward-secret
//! session, whose keys seized after it arrived open nothing; and last one
//! line for each lesson of the other examples.
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
//! only visible trace is a few hundred bytes of access field. The state's
//! `open` takes the envelope and nothing else, so the rows for the state
//! with a warrant, without one, and a criminal with a stolen copy of its key
//! are identical: the mathematics has no place to check a warrant. Split
//! custody changes who must be breached, not what the rebuilt key can do.
//!
//! The people, the service, the wiretap and the matrix come from the
//! lessons' crate, `doormat-attacks` (its `world` and `matrix`), which every other example
//! uses too; `examples/README.md` gives the reading order.

mod common;
#[path = "common/tour_lessons.rs"]
mod tour_lessons;

use std::time::Instant;

use common::{bad, finished, good, heading, quiet, strong, title};
use doormat::e2e::{self, OpenError, Opened};
use doormat::escrow::{self, EscrowAuthority, KeyShare, LEAF_EXTENSION, LEAF_LEN};
use doormat::hpke::{self, Aead, Kdf, Kem, PrivateKey, ReceiverMode, SenderMode, Suite, X25519};
use doormat::keys::safety_number;
use doormat::random::SystemRng;
use doormat_attacks::matrix::{self, Outcome};
use doormat_attacks::{Mode, Traffic, World};

type Result<T, E = Box<dyn std::error::Error>> = core::result::Result<T, E>;

/// Width of the label column in the narrated sections.
const W: usize = 21;

fn text(bytes: &[u8]) -> String {
    format!("\"{}\"", String::from_utf8_lossy(bytes))
}

fn main() -> Result<()> {
    let started = Instant::now();
    title("doormat tour: keys under doormats, in code");

    // ------------------------------------------------------------------
    heading("1. HPKE (RFC 9180): a message to a public key");
    let suite = Suite::new(Kdf::HkdfSha256, Aead::ChaCha20Poly1305);
    let id = suite.suite_id(X25519::ID);
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
    let sk_recip = PrivateKey::<X25519>::generate();
    let pk_recip = sk_recip.public_key();
    println!("{:W$}{}", "pk_recip", hex::encode(pk_recip.as_bytes()));
    let info = b"doormat tour, section 1";
    let aad = b"sent over an open network";
    let msg_hpke = b"hello from RFC 9180";
    let (enc, mut ctx_sender) =
        hpke::setup_sender(suite, &SenderMode::Base, &pk_recip, info, &mut SystemRng)?;
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
    let sk_other = PrivateKey::<X25519>::generate();
    let other = hpke::setup_receiver(suite, &ReceiverMode::Base, &enc, &sk_other, info)
        .and_then(|mut ctx| ctx.open(aad, &ct));
    println!("{:W$}{}", "someone else's key", outcome(&other));
    assert_eq!(pt_hpke, msg_hpke);
    assert!(exports_equal);
    assert!(matches!(other, Err(hpke::Error::OpenFailed)));

    // ------------------------------------------------------------------
    heading("2. End to end: Alice writes to Bob and Carol; Eve listens");
    let mut world = World::with_users(1993, Mode::EndToEnd, &["Alice", "Bob", "Carol", "Eve"]);
    let [alice, bob, carol, eve] =
        ["Alice", "Bob", "Carol", "Eve"].map(|n| world.find(n).expect("in the world"));
    for u in world.users() {
        println!("{:W$}fingerprint {}", u.name(), u.public().fingerprint());
    }
    let (pa, pb) = (world.user(alice).public(), world.user(bob).public());
    let sn_ab = safety_number(&pa, &pb);
    assert_eq!(sn_ab, safety_number(&pb, &pa));
    println!("{:W$}{sn_ab}", "safety no. Alice-Bob");
    println!(
        "{:W$}(each computes the same number; they compare it once, aloud)",
        ""
    );

    let message = b"Meet me at the bridge at nine.";
    let to_bob_carol = [world.user(bob).public(), world.user(carol).public()];
    let clean = e2e::seal(world.user(alice).identity(), &to_bob_carol, message)?;
    println!(
        "{:W$}{} bytes of plaintext -> envelope of {} bytes ({} bytes of overhead)",
        "e2e::seal",
        message.len(),
        clean.len(),
        clean.len() - message.len()
    );
    let mut e2e_views = Vec::new();
    for who in [bob, carol] {
        let opened = e2e::open(world.user(who).identity(), &clean)?;
        println!(
            "{:W$}reads {} from {} (signature verified)",
            world.user(who).name(),
            text(opened.plaintext()),
            world.name_of(opened.sender()).unwrap_or("someone unknown"),
        );
        println!(
            "{:W$}the signed recipient list: {}",
            "",
            world.names_of(opened.recipients()).join(", ")
        );
        assert_eq!(opened.plaintext(), message);
        assert_eq!(opened.sender(), &world.user(alice).public());
        e2e_views.push(opened);
    }
    let eve_clean = e2e::open(world.user(eve).identity(), &clean);
    println!("{:W$}{}", "Eve", outcome(&eve_clean));
    assert!(matches!(eve_clean, Err(OpenError::NotARecipient)));

    // ------------------------------------------------------------------
    heading("3. The escrowed twin: the same call, plus the authority's key");
    let escrow_key = world.escrow_key();
    println!("{:W$}{}", "escrow key", escrow_key.fingerprint());
    let escrowed = escrow::seal(
        world.user(alice).identity(),
        &to_bob_carol,
        &escrow_key,
        message,
    )?;
    let size_difference = escrowed.len() - clean.len();
    println!(
        "{:W$}{} bytes of plaintext -> envelope of {} bytes",
        "escrow::seal",
        message.len(),
        escrowed.len()
    );
    let mut same_views = 0;
    for (who, before) in [bob, carol].into_iter().zip(&e2e_views) {
        let opened = escrow::open(world.user(who).identity(), &escrow_key, &escrowed)?;
        let same = same_view(&opened, before);
        same_views += usize::from(same);
        println!(
            "{:W$}reads {} from {}; same view as E2E: {}",
            world.user(who).name(),
            text(opened.plaintext()),
            world.name_of(opened.sender()).unwrap_or("someone unknown"),
            yes_no(same)
        );
    }
    let eve_escrowed = escrow::open(world.user(eve).identity(), &escrow_key, &escrowed);
    println!("{:W$}{}", "Eve", outcome(&eve_escrowed));
    let seized = world.authority().open(&escrowed)?;
    println!(
        "{:W$}reads {} from {}",
        "escrow authority",
        text(seized.plaintext()),
        world.name_of(seized.sender()).unwrap_or("someone unknown"),
    );
    println!(
        "{:W$}yet the recipients are {}; its open() took only the envelope",
        "",
        world.names_of(seized.recipients()).join(", ")
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
    assert!(matches!(
        eve_escrowed,
        Err(escrow::Error::Open(OpenError::NotARecipient))
    ));
    assert_eq!(seized.plaintext(), message);
    assert_eq!(seized.sender(), &world.user(alice).public());
    assert_eq!(leaf_len, LEAF_LEN);

    // ------------------------------------------------------------------
    heading("4. The key is just bytes");
    // An archive: what a wiretap at the service records over time.
    let users: Vec<String> = (1..=8).map(|i| format!("user {i}")).collect();
    let names: Vec<&str> = users.iter().map(String::as_str).collect();
    let mut archive = World::with_users(1994, Mode::Escrowed, &names);
    let traffic = Traffic {
        days: 5,
        per_day: 8,
        max_recipients: 2,
    };
    archive.simulate(&traffic)?;
    let before_leak = archive.wiretap().len();
    let authority = archive.authority();
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
            yes_no(copy == *authority)
        );
        copies.push((holder, copy));
    }
    drop(secret_text);
    archive.simulate(&Traffic { days: 1, ..traffic })?;
    let total = archive.wiretap().len();
    println!(
        "{:W$}{} escrowed envelopes among {} users, {} before the copies, {} after",
        "archive",
        total,
        users.len(),
        before_leak,
        total - before_leak
    );
    let authority_reads = archive.read_by(archive.authority());
    println!("{:W$}(a read = the true plaintext and the true sender)", "");
    println!("{:W$}reads {authority_reads}/{total}", "escrow authority");
    let mut copy_reads = Vec::new();
    for (holder, copy) in &copies {
        let n = archive.read_by(copy);
        println!("{:W$}reads {n}/{total}", holder);
        copy_reads.push(n);
    }

    println!();
    println!("Split custody, 2 of 3. Clipper gave each of two agents (NIST, the Treasury)");
    println!("half of every chip key; here the authority key becomes 3 Shamir shares.");
    let custodians = ["agent 1 (NIST)", "agent 2 (Treasury)", "agent 3 (backup)"];
    let shares = archive.authority().split(2, 3)?;
    // Each custodian files their share as text, and later brings it back.
    let filed: Vec<_> = shares.iter().map(KeyShare::to_secret_string).collect();
    let returned: Vec<KeyShare> = filed
        .iter()
        .map(|s| s.parse())
        .collect::<Result<_, escrow::Error>>()?;
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
        Err(escrow::Error::TooFewShares { needed: 2, got: 1 })
    ));
    let mut recovered_reads = Vec::new();
    for (i, j) in [(0, 1), (0, 2), (1, 2)] {
        let rebuilt = EscrowAuthority::recover(&[returned[i].clone(), returned[j].clone()])?;
        let n = archive.read_by(&rebuilt);
        println!(
            "{:W$}rebuild the key (same key: {}); it reads {n}/{total}",
            format!("agents {} + {}", i + 1, j + 1),
            yes_no(rebuilt == *archive.authority()),
        );
        assert!(rebuilt == *archive.authority());
        recovered_reads.push(n);
    }
    assert_eq!(authority_reads, total);
    assert_eq!(copy_reads, vec![total; copies.len()]);
    assert_eq!(recovered_reads, vec![total; 3]);

    // ------------------------------------------------------------------
    heading("5. Who can read what (every cell: a decryption attempt made just now)");
    let m = matrix::who_can_read(&mut world, alice, bob, message)?;
    let width = m.rows.iter().map(|r| r.party.len()).max().unwrap_or(0) + 2;
    let cell = |o: &Outcome| match o {
        Outcome::Reads => ("reads it".to_owned(), true),
        Outcome::Cannot(why) => (format!("cannot ({why})"), false),
        Outcome::Wrong => ("WRONG plaintext".to_owned(), false),
    };
    let col = 28;
    println!(
        "{}",
        strong(&format!(
            "{:width$}{:col$}{:col$}{}",
            "Alice -> Bob", "end to end", "escrowed", "forward-secret session"
        ))
    );
    println!("{}", "-".repeat(width + 2 * col + 24));
    for row in &m.rows {
        // Pad before colouring, so the columns stay aligned.
        let paint = |o: &Outcome, last: bool| {
            let (t, reads) = cell(o);
            let padded = if last { t } else { format!("{t:col$}") };
            match (reads, row.party == "the recipient") {
                (true, true) => good(&padded),
                (true, false) => bad(&padded),
                (false, _) => quiet(&padded),
            }
        };
        println!(
            "{:width$}{}{}{}",
            row.party,
            paint(&row.e2e, false),
            paint(&row.escrowed, false),
            paint(&row.session, true)
        );
    }
    println!("\n  green: the recipient reads it; red: someone else reads it; dim: cannot.");

    // ------------------------------------------------------------------
    heading("6. The other lessons, one line each (each example tells it in full)");
    let lines = tour_lessons::other_lessons()?;
    for line in &lines {
        println!("{line}");
    }

    // ------------------------------------------------------------------
    heading("Lessons (each asserted on the values computed above)");
    let readers = |column: fn(&matrix::Row) -> &Outcome| -> Vec<&str> {
        m.rows
            .iter()
            .filter(|r| column(r).reads())
            .map(|r| r.party)
            .collect()
    };
    let clean_readers = readers(|r| &r.e2e);
    let escrowed_readers = readers(|r| &r.escrowed);
    let session_readers = readers(|r| &r.session);
    assert_eq!(
        clean_readers,
        [
            "the recipient",
            "a thief with the recipient's unlocked phone",
            "recorded the traffic, later seized the phone's keys"
        ]
    );
    println!(
        "ok  the clean envelope was read by {} of {} parties: {}",
        clean_readers.len(),
        m.rows.len(),
        clean_readers.join("; ")
    );
    assert_eq!(escrowed_readers.len(), 6);
    println!(
        "ok  the escrowed one by {} of {}: {}",
        escrowed_readers.len(),
        m.rows.len(),
        escrowed_readers.join("; ")
    );
    assert_eq!(session_readers, &clean_readers[..2]);
    println!(
        "ok  the session's message by {} of {}: keys seized after it arrived open nothing ({})",
        session_readers.len(),
        m.rows.len(),
        match &m.rows[8].session {
            Outcome::Cannot(why) => why.as_str(),
            _ => "read",
        }
    );
    assert!(m.rows[4].escrowed == m.rows[5].escrowed && m.rows[5].escrowed == m.rows[6].escrowed);
    println!("ok  with a warrant, without one, or stolen: one key, one call, one result");
    println!(
        "ok  Bob and Carol saw the same message, sender and recipients; the envelope grew {size_difference} bytes"
    );
    let total_copy_reads: usize = copy_reads.iter().sum();
    assert_eq!(total_copy_reads, copies.len() * total);
    println!(
        "ok  {} copies read {total_copy_reads}/{} archived envelopes, sealed before and after the leak",
        copies.len(),
        copies.len() * total
    );
    println!(
        "ok  any 2 of 3 custody shares rebuilt the key ({} rebuilds, each read {}/{total}); 1 could not",
        recovered_reads.len(),
        recovered_reads[0],
    );
    finished(started);
    Ok(())
}

fn yes_no(b: bool) -> &'static str {
    if b {
        "yes"
    } else {
        "NO"
    }
}

/// "reads" or "cannot read: <why>", for an open the caller just made.
fn outcome<T, E: std::fmt::Display>(r: &Result<T, E>) -> String {
    match r {
        Ok(_) => "reads".to_string(),
        Err(e) => format!("cannot read: {e}"),
    }
}

/// Whether two opened envelopes show a recipient the same thing.
fn same_view(a: &Opened, b: &Opened) -> bool {
    a.plaintext() == b.plaintext() && a.sender() == b.sender() && a.recipients() == b.recipients()
}
