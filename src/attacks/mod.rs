//! **Teaching code: attacks on key escrow, for examples and tests — not an
//! API to build on.** Nothing else in the crate uses this module.
//!
//! Each attack is a function `run(&mut World, params) -> Report` over a
//! simulated [`world`]: named users, a messaging service that relays
//! envelopes and runs the key directory, a wiretap that records every
//! envelope with the day it passed, and the state's escrow authority. Runs
//! are replayable from a seed. Reports are data — counts, which messages
//! were read, timings — and never print: the examples narrate them and the
//! tests assert them. The attacks use the crate's public API only.
//!
//! This module's documentation is a manual of the attacks, in the spirit of
//! rustls's manual of past TLS vulnerabilities: for each, what it shows, the
//! case it mirrors, and what doormat does about it.
//!
//! # Who can read what ([`matrix`])
//!
//! One message, clean and escrowed; eight parties, each a real decryption
//! attempt. The recipient and a thief holding the recipient's unlocked phone
//! read both; nobody else reads the clean one; the state with a warrant, the
//! state without one and a criminal with the leaked key read the escrowed
//! one identically. Example: `tour`.
//!
//! # Warrant overreach ([`warrant_overreach`])
//!
//! *Shows:* a warrant names one suspect for one month; the same key opens
//! every other user's messages and every other month too.
//! *Mirrors:* Clipper's procedure (1993–94): a wiretapper took a warrant to
//! both escrow agents, NIST and the Treasury's Automated Systems Division,
//! to rebuild one chip's key — a procedure, not a property of the key.
//! *doormat:* [`EscrowAuthority::open`](crate::escrow::EscrowAuthority::open)
//! takes the envelope and nothing else; there is no place for a scope.
//! Example: `warrant_overreach`.
//!
//! # A stolen escrow key ([`stolen_key`])
//!
//! *Shows:* the key's text form, copied and parsed back by a criminal, reads
//! the whole escrowed archive byte for byte as the state does, and nothing
//! of the same traffic sent end to end.
//! *Mirrors:* the Shadow Brokers' leak of NSA tools (2016–17) and
//! EternalBlue in WannaCry; the TSA master keys, 3D-printed from a published
//! photo (2015); intruders abusing lawful-intercept functions in Athens
//! (2004–05) and US carriers (Salt Typhoon, 2024).
//! *doormat:* an [`EscrowAuthority`](crate::escrow::EscrowAuthority) rebuilt
//! from its bytes behaves exactly like the original (holder indifference).
//! Example: `stolen_key`.
//!
//! # Harvest now, decrypt later ([`harvest_now_decrypt_later`])
//!
//! *Shows:* years of recorded traffic; one leak on the last day opens every
//! escrowed message ever sent, against only the messages of one device end
//! to end.
//! *Mirrors:* the loss of forward secrecy named by "The Risks of Key
//! Recovery" (1997) and "Keys Under Doormats" (2015).
//! *doormat:* the clean envelope has no forward secrecy of its own either
//! (recipient keys are long-lived), but its worst single leak is one
//! device; escrow's is everyone. Example: `harvest_now_decrypt_later`.
//!
//! # Blast radius ([`blast_radius`])
//!
//! *Shows:* in a population of 10,000 users and 1,000,000 messages, the
//! share of all traffic exposed by `k` stolen user keys (`k` = 1 … 1,000)
//! against the single escrow key, computed over the message graph and
//! confirmed on a sample of real envelopes.
//! *Mirrors:* the "new targets for attack" of the 1997 report; Logjam's one
//! 512-bit modulus shared by 28,394 servers (2015): one break, everyone.
//! Example: `blast_radius` (also draws `docs/blast-radius.svg`).

pub mod blast_radius;
pub mod harvest_now_decrypt_later;
pub mod matrix;
pub mod stolen_key;
pub mod warrant_overreach;
pub mod world;

pub use world::{Intercept, Mode, Sent, Service, Traffic, User, World};
