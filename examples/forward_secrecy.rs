//! # Forward secrecy: a seized phone, a recorded year, and the key that never expires
//!
//! Run it with `cargo run --release --example forward_secrecy`.
//!
//! Alice and Bob message each other for a year, and an eavesdropper records
//! every byte. On day 200 Bob's phone is seized at a border, copied, and
//! handed back. The same year runs three times, the same people and the
//! same messages: with file envelopes (doormat's `e2e`, long-lived keys),
//! with forward-secret sessions (`session`: X3DH and the Double Ratchet, as
//! in Signal and WhatsApp), and with escrowed sessions (`escrow::
//! session_client`: every message also carries an access field for its
//! key). For each, what the copied keys open of the recorded past and of
//! the future — computed in this run, each cell a decryption attempt.
//!
//! Historical case: "Keys Under Doormats" (Abelson et al., 2015) put first
//! among its arguments that exceptional access "would force a U-turn from
//! the best practices now being deployed to make the Internet more secure",
//! naming forward secrecy: the authority must keep a key that never
//! expires. The Double Ratchet (Perrin and Marlinspike, 2016) deletes each
//! message key once used. Sources:
//! <https://dspace.mit.edu/handle/1721.1/97690>,
//! <https://signal.org/docs/specifications/doubleratchet/>.
//!
//! What to watch for: the session column's "past" is zero and its "future"
//! stops after one round trip; the escrow key's row is full every month.
//! And the one thing no ratchet protects: the history the app kept.

mod common;

use std::time::Instant;

use common::*;
use doormat_attacks::forward_secrecy::{self, Outcome, Params};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let started = Instant::now();
    title("Forward secrecy: a seized phone, a recorded year, and the key that never expires");
    let params = Params {
        seed: 2015,
        days: 365,
        per_day: 4,
        seized_on: 200,
    };
    say(&format!(
        "Alice and Bob exchange {} messages a day for {} days, each way at random. \
         An eavesdropper records everything. On day {} Bob's phone is seized, copied \
         and returned. The same year, three ways.",
        params.per_day, params.days, params.seized_on
    ));
    let r = forward_secrecy::run(params)?;

    heading(&format!(
        "What the copy of Bob's phone opens (seized on day {})",
        params.seized_on
    ));
    println!(
        "{:26}{:>22}{:>22}{:>24}",
        "", "recorded past", "the future", "escrow key"
    );
    let cell = |opened: usize, of: usize| format!("{opened:>5}/{of:<5} ({:>7})", pct(opened, of));
    let row = |label: &str, o: &Outcome| {
        let escrow = o
            .escrow_opened
            .map_or("-".to_owned(), |n| cell(n, o.past + o.future));
        println!(
            "{:26}{:>22}{:>22}{:>24}",
            label,
            cell(o.past_opened, o.past),
            cell(o.future_opened, o.future),
            escrow
        );
    };
    row("file envelopes (e2e)", &r.envelope);
    row("forward-secret session", &r.session);
    row("escrowed session", &r.escrowed_session);
    println!();
    match r.healed {
        Some(h) => fact(
            "the ratchet healed",
            format!(
                "after {} of the messages that followed; blind from day {} on",
                h.read_first, h.day
            ),
        ),
        None => fact("the ratchet healed", "never (no reply in the year)"),
    }
    fact(
        "prekeys re-run the set-up",
        if r.setup_rerun {
            bad("yes")
        } else {
            "no: the one-time prekey is gone".to_owned()
        },
    );
    let full = r
        .escrow_by_month
        .iter()
        .filter(|(n, read)| n == read)
        .count();
    fact(
        "escrow key, month by month",
        bad(&format!(
            "{full} of {} months read in full",
            r.escrow_by_month.len()
        )),
    );
    fact(
        "the phone's message history",
        bad(&format!(
            "{} plaintexts, readable as they were stored",
            r.history_seized
        )),
    );
    println!();
    say(
        "The envelope's key is long-lived: whoever copies it reads the past and the \
         future. The ratchet deleted every key it used, so the copy opens nothing \
         recorded, and after one round trip nothing more. The escrowed session runs \
         the same ratchet; its access fields keep a copy of every key under one that \
         never expires. And forward secrecy covers keys, not the plaintext an app keeps.",
    );
    let s = &r.session;
    lesson(
        s.past_opened == 0
            && r.escrowed_session.past_opened == 0
            && s.future_opened < s.future
            && r.healed.is_some()
            && r.envelope.past_opened > 0
            && r.envelope.future_opened > 0
            && r.escrowed_session.escrow_opened == Some(s.past + s.future)
            && full == r.escrow_by_month.len()
            && !r.setup_rerun,
        "the ratchet forgets; escrow remembers every key, for everyone, forever.",
    );
    finished(started);
    Ok(())
}
