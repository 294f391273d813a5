//! # LEAF forgery: 65,536 tries against a 16-bit check
//!
//! Run it with `cargo run --release --example leaf_forgery`.
//!
//! Alice wants to send Bob a message the authority cannot read, but Bob's
//! client is compliant: it refuses any envelope whose access field fails
//! its check. Under the 1993 standard that check was a 16-bit checksum, so
//! Alice's client tries random fields against a compliant client until one
//! passes. Bob's client then reads the envelope as usual, and the authority
//! finds nothing in the field. Against a client that recomputes the whole
//! field (`LeafCheck::Recompute`), the same search finds nothing in 2^20
//! tries.
//!
//! Historical case: Matt Blaze, "Protocol Failure in the Escrowed
//! Encryption Standard" (ACM CCS, November 1994; on the front page of The
//! New York Times on 2 June 1994). He tested a prototype Tessera card: the
//! LEAF's integrity rested on a 16-bit checksum, so about 2^16 random LEAFs
//! found one the peer chip accepted. A contemporary summary put it at "a
//! half-hour or so of time on an average PC" (Steve Brinich,
//! alt.privacy.clipper, 4 July 1994). NIST answered that government
//! researchers "recognized and accepted that the law enforcement access
//! feature could be nullified". Sources:
//! <https://www.nist.gov/news-events/news/1994/06/statement-response-blaze-key-escrow-paper>,
//! <https://the-eye.eu/public/Books/cdn.preterhuman.net/texts/underground/info/Clipper/EESFlawBlazePaper.txt>.
//!
//! What to watch for: the forger never sees the family key. It only asks a
//! compliant client "would you accept this?", as Blaze asked his card.

mod common;

use std::time::Instant;

use common::*;
use doormat_attacks::leaf_forgery::{self, Params};
use doormat_attacks::{Mode, World};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let started = Instant::now();
    title("LEAF forgery: 65,536 tries against a 16-bit check");
    let mut world = World::with_users(1994, Mode::Escrowed, &["Alice", "Bob"]);
    let params = Params {
        forger: 0,
        recipient: 1,
        recompute_bound: 1 << 20,
    };
    let r = leaf_forgery::run(&mut world, params)?;
    let c = r.clipper16;
    heading("Against a Clipper16 client (the 1993 check)");
    fact(
        "tries until one passed",
        format!("{} (about 2^16 = 65,536 expected)", c.tries),
    );
    fact("time", format!("{:.2?} on this machine", c.elapsed));
    fact(
        "Bob's compliant client",
        if c.recipient_read {
            good("reads the message")
        } else {
            bad("refuses")
        },
    );
    fact(
        "the authority",
        if c.authority_locked_out {
            bad("finds nothing to open")
        } else {
            good("opens it")
        },
    );
    fact(
        "a Recompute client",
        if c.recompute_client_refuses {
            "would have refused it"
        } else {
            "accepts it"
        },
    );
    let s = r.recompute;
    heading("Against a Recompute client");
    fact("tries", s.tries);
    fact(
        "fields accepted",
        if s.found { bad("one") } else { good("none") },
    );
    fact("time", format!("{:.2?}", s.elapsed));
    println!();
    say(
        "A 16-bit check is a lock with 65,536 combinations and a device that tells \
         you when you found one. Recomputing the field closes that door — but only \
         for those who comply: superencryption is next.",
    );
    lesson(
        c.found && c.recipient_read && c.authority_locked_out && !s.found,
        "a 16-bit access-field check falls to a brute-force search; only a full recompute holds, and only against forgers.",
    );
    finished(started);
    Ok(())
}
