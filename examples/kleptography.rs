//! # Kleptography: a generator that leaks every next key
//!
//! Run it with `cargo run --release --example kleptography`.
//!
//! Alice's client looks honest and its envelopes are valid end-to-end
//! envelopes: Bob reads them, the signatures verify, the lengths are those
//! of any other client. But its random-number generator carries a SETUP:
//! each envelope's randomness is derived from a Diffie-Hellman between the
//! previous envelope's ephemeral key and a public constant Y baked into the
//! client. The vendor, who knows the secret behind Y, reads every envelope
//! after the first from the public bytes on the wire. Then someone else
//! replaces Y with a constant of their own — and the power moves to them.
//!
//! Historical cases: Young and Yung's SETUP attacks (CRYPTO '96, "The Dark
//! Side of 'Black-Box' Cryptography"): a device that behaves normally but
//! leaks its secrets to the holder of one private key. Dual_EC_DRBG is the
//! standardised case (SP 800-90, 2006; the possible backdoor pointed out by
//! Shumow and Ferguson in August 2007): whoever knows the secret relation
//! between its points P and Q predicts its output. At Juniper, an unknown
//! party replaced only Q in 2012, and took the backdoor over. Sources:
//! <https://link.springer.com/chapter/10.1007/3-540-68697-5_8>,
//! <https://checkoway.net/musings/dualec>.
//!
//! What to watch for: nothing in the envelopes gives the backdoor away.

mod common;

use std::time::Instant;

use common::*;
use doormat_attacks::kleptography::{self, Params};
use doormat_attacks::{Mode, World};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let started = Instant::now();
    title("Kleptography: a generator that leaks every next key");
    let mut world = World::with_users(1996, Mode::EndToEnd, &["Alice", "Bob"]);
    let params = Params {
        sender: 0,
        recipient: 1,
        messages: 12,
        replaced_after: 8,
    };
    let r = kleptography::run(&mut world, params)?;
    fact("envelopes Alice sent", r.sent);
    fact("read by Bob, signatures verified", r.recipient_read);
    fact(
        "same length as an honest client's",
        format!("{} of {}", r.same_length_as_honest, r.sent),
    );
    heading("From the public bytes alone");
    fact(
        "read by the vendor",
        bad(&format!(
            "{} (every one after the first, until the swap)",
            r.original_holder_read
        )),
    );
    fact("sealed after Y was replaced", r.after_replacement);
    fact(
        "… read by the vendor",
        good(&r.original_holder_read_after.to_string()),
    );
    fact(
        "… read by whoever replaced Y",
        bad(&r.replacer_read.to_string()),
    );
    println!();
    say(
        "A backdoor in a random-number generator is key escrow nobody agreed to: \
         invisible in the output, and owned by whoever controls one constant.",
    );
    lesson(
        r.recipient_read == r.sent
            && r.original_holder_read == params.replaced_after
            && r.original_holder_read_after == 0
            && r.replacer_read == r.after_replacement,
        "a kleptographic generator hands every next envelope to its constant's owner — and the constant can change hands.",
    );
    finished(started);
    Ok(())
}
