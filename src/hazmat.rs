//! **Hazardous materials: teaching hooks and the RFC's building blocks. Do
//! not build on these.** Public only with the `hazmat` cargo feature, which
//! the lessons' crate and doormat's own known-answer tests enable; an
//! importer of doormat compiles none of it unless it asks.
//!
//! Each item here exposes something a careful API hides: a shared secret,
//! a derandomized encapsulation (reusing its randomness reuses keys), or a
//! compliant client's private check as an oracle. They exist so that tests
//! can check intermediate values against published vectors, and so that the
//! lessons can show attacks by running them.

/// HPKE's steps one by one (RFC 9180 §4, §5.1): `Encap`/`Decap` with the
/// shared secret visible, `KeySchedule` with its outputs readable, and a
/// sender setup from caller-chosen randomness — what known-answer tests
/// need and nothing else should.
pub mod hpke {
    pub use crate::hpke::hazmat::{decap, encap_derand, setup_sender_derand, KeySchedule};

    use crate::hpke::{PublicKey, XWing};

    /// The X25519 component of an X-Wing public key (its last 32 bytes):
    /// what a quantum computer that solves X25519 — and only X25519 —
    /// could attack. For the lesson that simulates one.
    pub fn xwing_x25519_component(pk: &PublicKey<XWing>) -> [u8; 32] {
        pk.x25519_component()
    }
}

/// What an observer reads in an envelope header, by stanza: for lessons
/// that attack the stanzas' public parts.
pub mod e2e {
    use crate::e2e::Header;

    /// The HPKE `enc` of stanza `i`, in clear for every observer: an
    /// ephemeral X25519 public key (32 bytes), or an X-Wing ciphertext
    /// (1,120 bytes).
    pub fn stanza_enc(header: &Header, i: usize) -> Option<&[u8]> {
        header.stanza_enc(i)
    }
}

/// A compliant client's check as a yes/no device, as Matt Blaze had in
/// 1994: for the LEAF-forgery lesson.
pub mod escrow {
    pub use crate::escrow::client::FieldOracle;

    use crate::e2e::Sealing;
    use crate::escrow::Compliance;

    /// `client`'s check as a device that answers yes or no, for one
    /// envelope being sealed: would it accept a given access field in that
    /// envelope? The family key stays sealed inside; under
    /// [`LeafCheck::Recompute`](crate::escrow::LeafCheck::Recompute) the
    /// expected field is rebuilt once per named key, not once per question.
    pub fn field_oracle<'s>(client: &'s Compliance, sealing: &'s Sealing<'s>) -> FieldOracle<'s> {
        client.field_oracle(sealing)
    }
}
