//! # Escrow key substitution: whoever changes the key becomes the escrow
//!
//! Run it with `cargo run --release --example key_substitution`.
//!
//! An escrowed messenger's clients carry the state's escrow key. A
//! supply-chain attacker changes that one constant in an update. From then
//! on every envelope is escrowed to the attacker: the attacker reads all new
//! traffic, the state reads none, and users see nothing different, since
//! their clients comply with the key they were given. A client that checked
//! the key's fingerprint against a value published out of band would have
//! refused; a pin shipped in the same update is replaced with it. The second
//! half replays PGP's 2000 flaw against doormat's key formats.
//!
//! Historical cases: Juniper ScreenOS. In 2012 (6.2.0r15 / 6.3.0r12) an
//! unknown party changed only the Dual_EC constant Q embedded in the
//! firmware, moving control of the backdoor to whoever knew the matching
//! secret; Juniper disclosed "unauthorized code" on 17 December 2015
//! (CVE-2015-7756), and its first patch simply put its own 2008 Q back.
//! And PGP's Additional Decryption Key: in August 2000 Ralf Senderek showed
//! that PGP honoured ADK entries placed in the unsigned part of a key, so
//! anyone who could tamper with a key could add their own escrow key —
//! invisible to fingerprint checks (CERT VU#747124, 6 October 2000).
//! Sources: <https://checkoway.net/musings/dualec>, <https://kb.cert.org/vuls/id/747124>.
//!
//! What to watch for: users' clients refuse nothing; only the out-of-band
//! pin tells.

mod common;

use std::time::Instant;

use common::*;
use doormat_attacks::key_substitution::{self, Params};
use doormat_attacks::{Mode, World};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let started = Instant::now();
    title("Escrow key substitution: whoever changes the key becomes the escrow");
    let names = ["Alice", "Bob", "Carol", "Dave", "Erin", "Frank"];
    let mut world = World::with_users(2012, Mode::Escrowed, &names);
    fact("the state's escrow key", world.escrow_key().fingerprint());
    let params = Params {
        days_before: 20,
        days_after: 20,
        per_day: 5,
    };
    let r = key_substitution::run(&mut world, params)?;
    fact(
        "installed on day 20",
        world.client_escrow_key().fingerprint(),
    );

    heading("Who reads what");
    println!("{:34}{:>16}{:>16}", "", "before the swap", "after the swap");
    println!("{:34}{:>16}{:>16}", "envelopes", r.before, r.after);
    println!(
        "{:34}{:>16}{:>16}",
        "the state reads", r.state_reads_before, r.state_reads_after
    );
    println!(
        "{:34}{:>16}{:>16}",
        "the attacker reads", r.attacker_reads_before, r.attacker_reads_after
    );
    println!();
    fact(
        "accepted by users' clients",
        format!("{} of {}", r.recipients_accepted, r.before + r.after),
    );
    let noticed = r.before + r.after - r.recipients_accepted;
    fact("refused by users' clients", noticed);
    fact("refused, pin in the same update", r.refused_by_shipped_pin);
    fact(
        "refused, pin published elsewhere",
        good(&r.refused_by_out_of_band_pin.to_string()),
    );

    heading("PGP's Additional Decryption Key, against doormat");
    fact(
        "escrow key appended to the text",
        if r.adk_text_refused {
            good("refused")
        } else {
            bad("accepted")
        },
    );
    fact(
        "… to the 64 key bytes",
        if r.adk_bytes_refused {
            good("refused")
        } else {
            bad("accepted")
        },
    );
    fact(
        "a key swapped in place",
        if r.tampering_changes_fingerprint {
            "changes the fingerprint"
        } else {
            "keeps it"
        },
    );
    println!();
    say(
        "A public identity is exactly two keys, and its text form and fingerprint \
         cover both: there is nowhere to hide a third that a sender would honour. \
         The escrow key itself is another matter: it is one constant, and whoever \
         can change it inherits everything.",
    );
    lesson(
        r.attacker_reads_after == r.after
            && r.state_reads_after == 0
            && noticed == 0
            && r.refused_by_out_of_band_pin == r.after
            && r.adk_text_refused
            && r.adk_bytes_refused,
        "change the escrow key and you own the escrow; only a pin the attacker cannot change would notice.",
    );
    finished(started);
    Ok(())
}
