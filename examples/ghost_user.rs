//! # The ghost user: an extra end in the key directory
//!
//! Run it with `cargo run --release --example ghost_user`.
//!
//! Alice writes to Bob through a service that runs the key directory. The
//! service quietly adds a participant to Bob's entry: Alice's client, which
//! trusts the directory, now encrypts to Bob and the ghost. Everything is
//! still end-to-end encrypted — with one more end. Had Alice pinned Bob's
//! fingerprint (they compared safety numbers once, in person), her client
//! would have refused; and Bob's client, which sees the signed list of
//! recipients, warns about one he never verified.
//!
//! Historical case: in November 2018, Ian Levy (NCSC) and Crispin Robinson
//! (GCHQ) proposed on Lawfare that "it's relatively easy for a service
//! provider to silently add a law enforcement participant to a group chat or
//! call". An open letter of 47 signatories, including Apple, Google,
//! Microsoft and WhatsApp, answered on 30 May 2019 that this breaks
//! authentication and users' trust. Source:
//! <https://www.cnbc.com/2019/05/30/apple-google-and-whatsapp-condemn-gchq-ghost-proposal.html>.
//!
//! What to watch for: a ghost user is key escrow moved into the directory;
//! the defence is the same as against key substitution — verify keys out
//! of band.

mod common;

use std::time::Instant;

use common::*;
use doormat_attacks::ghost_user::{self, Params};
use doormat_attacks::{Mode, World};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let started = Instant::now();
    title("The ghost user: an extra end in the key directory");
    let mut world = World::with_users(2018, Mode::EndToEnd, &["Alice", "Bob", "Carol"]);
    let params = Params {
        alice: 0,
        bob: 1,
        messages: 5,
    };
    let r = ghost_user::run(&mut world, params)?;
    fact("keys the directory gives for Bob", r.keys_for_bob);
    heading("Alice's client trusts the directory");
    fact("messages sent", r.sent_trusting);
    fact("read by Bob", r.bob_read);
    fact("read by the ghost", bad(&r.ghost_read.to_string()));
    fact(
        "Bob's client warned",
        good(&format!("{} times (unverified recipient)", r.bob_warned)),
    );
    heading("Alice's client pins Bob's fingerprint");
    fact(
        "messages it refused to seal",
        good(&r.refused_by_pinning_client.to_string()),
    );
    fact(
        "safety number with Bob's key",
        if r.safety_number_matches_bob {
            "matches what Bob reads aloud"
        } else {
            "differs"
        },
    );
    fact(
        "safety number with the ghost's",
        if r.ghost_safety_number_differs {
            "does not"
        } else {
            "matches"
        },
    );
    println!();
    say(
        "Whoever runs the directory decides who 'Bob' is. Only keys verified out \
         of band — fingerprints, safety numbers — keep that decision with the users.",
    );
    lesson(
        r.ghost_read == r.sent_trusting
            && r.refused_by_pinning_client == r.sent_trusting
            && r.bob_warned == r.sent_trusting,
        "a directory that adds a silent participant reads everything, unless clients pin and compare keys.",
    );
    finished(started);
    Ok(())
}
