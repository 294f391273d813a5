//! **Teaching code: attacks on key escrow and client-side scanning, for
//! examples and tests — not an API to build on.** The lessons of the
//! doormat crate, in a crate of their own that depends on `doormat` like any
//! user: "public API only" is enforced by the compiler. The few lessons
//! that need doormat's teaching hooks (`doormat::hazmat`) are behind this
//! crate's `hazmat` feature, on by default.
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
//! One message, clean, escrowed, and in a forward-secret session; nine
//! parties, each a real decryption attempt. The recipient and a thief
//! holding the recipient's unlocked phone read all three; nobody else reads
//! the clean one; the state with a warrant, the state without one and a
//! criminal with the leaked key read the escrowed one identically; and
//! whoever recorded the traffic and later seized the phone's keys reads
//! both envelopes but not the session's message. Example: `tour`.
//!
//! # Warrant overreach ([`warrant_overreach`])
//!
//! *Shows:* a warrant names one suspect for one month; the same key opens
//! every other user's messages and every other month too.
//! *Mirrors:* Clipper's procedure (1993–94): a wiretapper took a warrant to
//! both escrow agents, NIST and the Treasury's Automated Systems Division,
//! to rebuild one chip's key — a procedure, not a property of the key.
//! *doormat:* [`EscrowAuthority::open`](doormat::escrow::EscrowAuthority::open)
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
//! *doormat:* an [`EscrowAuthority`](doormat::escrow::EscrowAuthority) rebuilt
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
//! device; escrow's is everyone. The same traffic in forward-secret
//! sessions: that device's phone opens none of it. Example:
//! `harvest_now_decrypt_later`.
//!
//! # Forward secrecy, reversed ([`forward_secrecy`])
//!
//! *Shows:* two people talk for a year, everything recorded; one phone is
//! seized on day D, copied and returned. With file envelopes the copied
//! identity key opens the recorded past and the future; with forward-secret
//! sessions ([`doormat::session`]) the copied state opens none of the past
//! and goes blind after the next round trip; with escrowed sessions the same
//! — and the escrow key opens every message of every month, before and
//! after. The phone's stored history goes with the phone in every regime.
//! *Mirrors:* "Keys Under Doormats" (2015), which put first that exceptional
//! access forces "a U-turn" from forward secrecy; the Double Ratchet of
//! Signal and WhatsApp.
//! *doormat:* sessions delete each message key once used; the escrowed twin
//! ([`escrow::session_client`](doormat::escrow::session_client)) keeps a
//! copy of every one under a key that never expires. The thief
//! ([`forward_secrecy::Thief`]) follows the recorded traffic with the copy
//! through the public API alone. Example: `forward_secrecy`.
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
//!
//! # LEAF forgery ([`leaf_forgery`])
//!
//! *Shows:* against a compliant client that checks only a 16-bit checksum
//! ([`LeafCheck::Clipper16`](doormat::escrow::LeafCheck::Clipper16)), about
//! 2^16 random access fields yield one it accepts; the recipient reads the
//! envelope and the authority finds nothing. Against
//! [`LeafCheck::Recompute`](doormat::escrow::LeafCheck::Recompute), 2^20 tries
//! find nothing.
//! *Mirrors:* Matt Blaze, "Protocol Failure in the Escrowed Encryption
//! Standard" (1994), on a prototype Tessera card.
//! *doormat:* `Recompute` is the default; the forger uses only the envelope's
//! extension point and a compliant client's check
//! ([`field_oracle`](doormat::hazmat::escrow::field_oracle)).
//! Example: `leaf_forgery`.
//!
//! # Superencryption ([`superencryption`])
//!
//! *Shows:* even under `Recompute`, criminals who seal end to end first and
//! send the result through a compliant escrowed client leave the authority
//! only ciphertext, while the law-abiding stay fully readable; a modified
//! client with a copied field is refused by compliant clients and read by
//! others. A secret passed as associated data is read by the authority
//! through compliant clients (the field binds its hash); a modified client
//! that seals twice from one seed, to carry a field that claims no
//! associated data, is refused by compliant clients and keeps the
//! authority out.
//! *Mirrors:* "the people who do not want to be monitored … would find ways
//! to avoid it" (quoted in The Guardian, March 2017); NIST's 1994 reply that
//! the access feature "could be nullified".
//! *doormat:* nothing can stop it; the lesson is who escrow exposes.
//! Example: `superencryption`.
//!
//! # Escrow key substitution ([`key_substitution`])
//!
//! *Shows:* replace the escrow key compiled into the clients and the
//! attacker reads all new traffic, the state none, and users see no
//! difference; a fingerprint pinned out of band catches it, a pin shipped in
//! the same update does not. And PGP's ADK flaw: appending an escrow key to
//! a public key is refused, since doormat's text forms and fingerprints
//! cover everything a sender honours.
//! *Mirrors:* Juniper ScreenOS (the Dual_EC constant Q changed in 2012,
//! disclosed 2015); CERT VU#747124 (2000).
//! *doormat:* [`Compliance::pinned`](doormat::escrow::Compliance::pinned);
//! public identities of exactly two keys, strictly parsed.
//! Example: `key_substitution`.
//!
//! # The ghost user ([`ghost_user`])
//!
//! *Shows:* the key directory silently adds a recipient; a client that
//! trusts it seals to the ghost; a client that pins fingerprints refuses,
//! and the recipient's client warns of an unverified recipient in the
//! signed list.
//! *Mirrors:* the GCHQ/NCSC "ghost" proposal (Lawfare, November 2018) and
//! the open letter against it (May 2019).
//! *doormat:* fingerprints, [`safety numbers`](doormat::keys::safety_number),
//! and a signed recipient list every recipient sees.
//! Example: `ghost_user`.
//!
//! # Kleptography ([`kleptography`])
//!
//! *Shows:* a backdoored generator makes each envelope's randomness depend
//! on the previous one through a Diffie-Hellman with a public constant; the
//! envelopes are valid, yet the constant's owner opens every one after the
//! first from public bytes; replacing the constant moves the power.
//! *Mirrors:* Young and Yung's SETUP (1996–97); Dual_EC_DRBG and Juniper.
//! *doormat:* randomness is injectable so this can be shown; by default it
//! comes from the operating system. Example: `kleptography`.
//!
//! # Export-grade keys ([`export_grade`])
//!
//! *Shows:* a content key "weakened for the state only" to `w` bits falls to
//! anyone's brute force; the rate is measured and extrapolated to 40, 56, 64
//! and 80 bits.
//! *Mirrors:* 40-bit export ciphers (RC5-40 broken in 3.5 hours in 1997);
//! FREAK and Logjam (2015).
//! *doormat:* 256-bit content keys from the system's generator.
//! Example: `export_grade`.
//!
//! # Quantum day ([`quantum_day`])
//!
//! *Shows:* users with post-quantum keys, years of recorded traffic, and an
//! adversary who one day solves X25519 (simulated from the world's own
//! randomness log: it answers X25519 discrete logarithms and never ML-KEM).
//! Clean post-quantum envelopes stay closed; with a classical access field
//! every envelope opens, post-quantum stanzas notwithstanding; with a
//! post-quantum field nothing opens — until the one authority key leaks, and
//! then everything does.
//! *Mirrors:* harvest now, decrypt later, as age 1.3 answers it: refuse to
//! mix post-quantum and classical recipients in one file.
//! *doormat:* [`Sealer::allow_mixed_kems`](doormat::e2e::Sealer::allow_mixed_kems)
//! is off by default; the escrow layer cannot be refused, so its field is
//! the stanza nobody chose ([`AccessField`](doormat::escrow::AccessField)).
//! Example: `quantum_day`.

//! # Client-side scanning ([`client_side_scanning`], [`scanning`])
//!
//! *Shows:* the scanner as one more layer on the clean sealer
//! ([`scanning::client`]): a NeuralHash-shaped hash of every picture, a
//! match list blinded with the provider's key ([`scanning::blinded`]), and a
//! safety voucher in every envelope ([`scanning::voucher`]) that the
//! provider ([`scanning::provider`]) opens for listed pictures only, and
//! reads past a threshold of matches (the crate's Shamir split,
//! `doormat::hazmat::shamir`). Then: collisions in milliseconds (pHash) and
//! a fraction of a second (NeuralHash-shaped); evasion by a small crop or
//! rotation; false flags measured and projected with a binomial model; and
//! function creep — a protest poster added to the blinded list, which no
//! client can detect, flags and opens its senders.
//! *Mirrors:* Apple's "CSAM Detection Technical Summary" (August 2021) and
//! the PSI protocol of Bhowmick et al. (2021); the NeuralHash collision
//! published on 18 August 2021; the EU's proposed CSA Regulation
//! (COM(2022) 209, "chat control"); the UK Online Safety Act 2023's
//! "accredited technology".
//! *doormat:* [`Layer`] sees the content key, never the
//! plaintext, so the client is built per message; the envelope is the
//! clean one plus one 162-byte voucher. Behind the `hazmat` feature.
//! Example: `client_side_scanning`.
//!
//! # Jurisdiction spill-over ([`jurisdiction`])
//!
//! *Shows:* one country's users must use escrowed clients
//! ([`World::mandate_escrow`]); its clients refuse clean envelopes, so
//! foreign users who write to them, hear from them or share a group with
//! them are escrowed too. The share of other countries' users exposed is
//! computed, country by country.
//! *Mirrors:* the UK Home Office's technical capability notice to Apple
//! (reported 7 February 2025); Apple withdrew Advanced Data Protection for
//! UK users on 21 February 2025.
//! *doormat:* `escrow::open` (a compliant client) refuses a clean envelope
//! with `NotEscrowed`. Example: `jurisdiction`.
//!
//! # The wiretap system as the target ([`wiretap_breach`])
//!
//! *Shows:* an intruder who takes over the interception system reads every
//! escrowed message on the wire — of the warrants' targets and of everyone
//! else, before and after the intrusion — and copies the warrant list. With
//! the key split among custodians, or end to end, it reads nothing, and
//! still learns whom the state is watching.
//! *Mirrors:* the Athens affair (Vodafone Greece, 2004–05); Salt Typhoon
//! (2024) and CISA's December 2024 guidance to use end-to-end encrypted
//! messaging.
//! *doormat:* `EscrowAuthority` text form, `split` and `recover`.
//! Example: `wiretap_breach`.

#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![deny(missing_debug_implementations)]
#![warn(rust_2018_idioms)]

mod error;

pub mod blast_radius;
#[cfg(feature = "hazmat")]
pub mod client_side_scanning;
pub mod export_grade;
pub mod forward_secrecy;
pub mod ghost_user;
pub mod harvest_now_decrypt_later;
pub mod jurisdiction;
pub mod key_substitution;
#[cfg(feature = "hazmat")]
pub mod kleptography;
#[cfg(feature = "hazmat")]
pub mod leaf_forgery;
pub mod matrix;
#[cfg(feature = "hazmat")]
pub mod quantum_day;
pub mod scanning;
pub mod stolen_key;
pub mod superencryption;
pub mod warrant_overreach;
pub mod wiretap_breach;
pub mod world;

pub use error::{Error, Result};
pub use world::{Intercept, Mode, Seized, Sent, Service, Traffic, User, World};

use doormat::e2e::{ContentKey, Header, Layer, LayerError, Unlocked, CONTENT_KEY_LEN};
use doormat::session::{self, MessageKey, MESSAGE_KEY_LEN};

/// An attacker who learned an envelope's content key — by brute force, a
/// backdoored generator, or as a recipient — opens it with
/// [`e2e::Opener::unlocked_by`](doormat::e2e::Opener::unlocked_by) and this
/// layer: no stanza, no escrow key, and the sender's signature still checks.
pub struct KnownContentKey(pub [u8; CONTENT_KEY_LEN]);

impl Layer for KnownContentKey {
    fn unlock(&self, _: &Header) -> core::result::Result<Option<Unlocked>, LayerError> {
        Ok(Some(Unlocked {
            content_key: ContentKey::from_bytes(&self.0),
            aad_hash: None,
        }))
    }
}

impl core::fmt::Debug for KnownContentKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("KnownContentKey([redacted])")
    }
}

/// An attacker who learned one session message's key and the session's
/// `AD` reads that message with [`session::read`] and this layer — and no
/// other message.
pub struct KnownMessageKey {
    /// The message key.
    pub mk: [u8; MESSAGE_KEY_LEN],
    /// The session's associated data.
    pub ad: [u8; MESSAGE_KEY_LEN],
}

impl session::Layer for KnownMessageKey {
    fn unlock(
        &self,
        _: &session::Message<'_>,
    ) -> core::result::Result<Option<session::Unlocked>, session::LayerError> {
        Ok(Some(session::Unlocked {
            message_key: MessageKey::from_bytes(&self.mk),
            ad: self.ad,
        }))
    }
}

impl core::fmt::Debug for KnownMessageKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("KnownMessageKey([redacted])")
    }
}
