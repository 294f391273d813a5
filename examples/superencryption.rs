//! # Superencryption: escrow catches only those who comply
//!
//! Run it with `cargo run --release --example superencryption`.
//!
//! In an escrowed world where every client recomputes the access field —
//! the strongest compliance check there is — ten people message each other
//! as usual, and two criminals do one thing differently: they seal their
//! message end to end first, then send the sealed bytes through their
//! ordinary, compliant, escrowed client. Every check passes. The authority
//! opens the outer envelope and finds ciphertext. A second evasion, a
//! modified client that copies an access field from another envelope, is
//! refused by compliant clients — and read by any that is not. A third
//! uses a secret the pair agreed on as associated data: through compliant
//! clients the authority reads it anyway (the field binds the data's hash),
//! and a modified client that seals twice from one seed to carry a field
//! claiming no associated data is refused by compliant clients and keeps
//! the authority out.
//!
//! Historical case: the March 2017 Guardian commentary on calls for access
//! to WhatsApp messages made the point that a ban on end-to-end encryption
//! would mostly catch people who do not try to avoid it, while "the people
//! who do not want to be monitored … would find ways to avoid it" (quoted in
//! The Guardian, March 2017). NIST, answering Blaze in 1994, accepted that
//! the access feature "could be nullified". Source:
//! <https://www.nist.gov/news-events/news/1994/06/statement-response-blaze-key-escrow-paper>.
//!
//! What to watch for: the authority's reads split exactly along who
//! complied.

mod common;

use std::time::Instant;

use common::*;
use doormat_attacks::superencryption::{self, Params};
use doormat_attacks::{Mode, Traffic, World};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let started = Instant::now();
    title("Superencryption: escrow catches only those who comply");
    let names = [
        "Alice", "Bob", "Carol", "Dave", "Erin", "Frank", "Grace", "Heidi", "Mallory", "Trent",
    ];
    let mut world = World::with_users(2017, Mode::Escrowed, &names);
    world.simulate(&Traffic {
        days: 30,
        per_day: 10,
        max_recipients: 2,
    })?;
    let (mallory, trent) = (
        world.find("Mallory").expect("cast"),
        world.find("Trent").expect("cast"),
    );
    let r = superencryption::run(
        &mut world,
        &Params {
            criminals: vec![(mallory, trent), (trent, mallory)],
            per_pair: 10,
        },
    )?;
    heading("Everyone who complies");
    fact("envelopes on the tape", r.law_abiding);
    fact(
        "read by the authority",
        bad(&format!(
            "{} ({})",
            r.law_abiding_read,
            pct(r.law_abiding_read, r.law_abiding)
        )),
    );
    heading("Mallory and Trent, superencrypting");
    fact("envelopes sent", r.superencrypted);
    fact("accepted by compliant clients", r.compliant_accepted);
    fact("outer layer opened by authority", r.outer_opened);
    fact(
        "inner message read by authority",
        good(&format!("{}", r.inner_read_by_authority)),
    );
    fact("inner message read by partner", r.inner_read_by_recipient);
    heading("A modified client (a copied access field)");
    fact(
        "a compliant client",
        if r.modified_refused_by_compliant {
            "refuses it"
        } else {
            "accepts it"
        },
    );
    fact(
        "a non-compliant reader",
        if r.modified_read_by_noncompliant {
            "reads it"
        } else {
            "cannot"
        },
    );
    fact(
        "the authority",
        if r.modified_opened_by_authority {
            "opens it"
        } else {
            "opens nothing"
        },
    );
    heading("A shared secret as associated data");
    fact(
        "through a compliant client",
        if r.secret_aad_read_by_authority {
            bad("the authority reads it")
        } else {
            good("the authority cannot read it")
        },
    );
    fact(
        "a modified client's field",
        if r.aad_dodge_refused_by_compliant {
            "claims no secret: compliant clients refuse it"
        } else {
            "claims no secret: compliant clients accept it"
        },
    );
    fact(
        "the partner",
        if r.aad_dodge_read_by_partner {
            "reads it (knows the secret)"
        } else {
            "cannot"
        },
    );
    fact(
        "the authority",
        match (
            r.aad_dodge_opened_by_authority,
            r.aad_dodge_opened_with_the_secret,
        ) {
            (false, true) => "opens nothing, and would with the secret",
            (false, false) => "opens nothing, even with the secret",
            (true, _) => "opens it",
        },
    );
    println!();
    say(
        "The access field can be made unforgeable. It cannot make anyone put a \
         readable message inside it.",
    );
    lesson(
        r.law_abiding_read == r.law_abiding
            && r.compliant_accepted == r.superencrypted
            && r.inner_read_by_authority == 0
            && r.inner_read_by_recipient == r.superencrypted
            && r.secret_aad_read_by_authority
            && r.aad_dodge_refused_by_compliant
            && !r.aad_dodge_opened_by_authority,
        "escrow exposes everyone who complies and no one who superencrypts.",
    );
    finished(started);
    Ok(())
}
