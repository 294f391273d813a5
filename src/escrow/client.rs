//! The escrow twin's two [`Layer`]s for users: [`AccessField`], which a
//! sealer attaches to escrow every envelope, and [`Compliance`], which a
//! compliant client attaches to refuse envelopes without a valid field.

#[cfg(feature = "hazmat")]
use core::cell::RefCell;
#[cfg(feature = "hazmat")]
use core::fmt;

use super::leaf::{self, FamilyKey, FieldInputs, LeafCheck, LEAF_EXTENSION};
use super::EscrowKey;
use crate::e2e::{Layer, LayerError, Opening, Sealing};
#[cfg(feature = "hazmat")]
use crate::keys::EncryptionKey;

/// The sealing layer of the escrow twin: adds the access field — the
/// envelope's content key wrapped to the escrow key, bound to the header — to
/// every envelope.
///
/// ```
/// use doormat::{e2e, escrow::{AccessField, EscrowAuthority}, keys::Identity};
///
/// let authority = EscrowAuthority::generate();
/// let (alice, bob) = (Identity::generate(), Identity::generate());
/// let envelope = e2e::Sealer::new(&alice, &[bob.public()])
///     .cipher(e2e::PayloadCipher::Aes256Gcm)
///     .layer(AccessField::to(&authority.public_key()))
///     .seal(b"every option of e2e::Sealer works")?;
/// assert!(authority.open(&envelope).is_ok());
/// # Ok::<(), doormat::Error>(())
/// ```
///
/// # Post-quantum recipients and a classical escrow key
///
/// The field wraps the content key with the escrow key's KEM, whatever the
/// recipients' KEM. Sealing to post-quantum recipients with a classical
/// (X25519) escrow key is allowed — it is the lesson of the `quantum_day`
/// example — and it undoes
/// what the recipients' keys buy: the envelope is post-quantum for its
/// recipients and classical for everyone who records it, so a future
/// quantum computer that solves X25519 reads it through the field
/// (harvest now, decrypt later). A post-quantum escrow key closes that door
/// and leaves the one that cannot be closed: one long-lived key that opens
/// everything ever recorded.
///
/// ```
/// use doormat::{e2e, escrow::{AccessField, EscrowAuthority}, keys::{Identity, Kem}};
///
/// let classical = EscrowAuthority::generate();
/// let (alice, bob) = (Identity::generate_post_quantum(), Identity::generate_post_quantum());
/// let envelope = e2e::Sealer::new(&alice, &[bob.public()])
///     .layer(AccessField::to(&classical.public_key()))
///     .seal(b"post-quantum stanzas, classical access field")?;
/// assert!(e2e::Header::parse(&envelope)?.is_post_quantum());
/// // The weakest wrapping of the content key is the field's.
/// assert_eq!(classical.kem(), Kem::X25519);
/// assert!(classical.open(&envelope).is_ok());
/// # Ok::<(), doormat::Error>(())
/// ```
#[derive(Debug)]
pub struct AccessField {
    pub(super) escrow: EscrowKey,
    pub(super) family: FamilyKey,
}

impl AccessField {
    /// Escrow every envelope to `escrow`, with the process's default
    /// [`FamilyKey`] for the checksum.
    pub fn to(escrow: &EscrowKey) -> AccessField {
        AccessField {
            escrow: escrow.clone(),
            family: FamilyKey::default(),
        }
    }

    /// Checksums access fields for another chip family.
    pub fn family(mut self, family: FamilyKey) -> AccessField {
        self.family = family;
        self
    }
}

impl Layer for AccessField {
    fn extension_types(&self) -> &[u16] {
        &[LEAF_EXTENSION]
    }

    fn extensions(&self, sealing: &Sealing<'_>) -> Result<Vec<(u16, Vec<u8>)>, LayerError> {
        let inputs = FieldInputs::new(
            sealing.content_key(),
            sealing.core_header(),
            sealing.aad_hash(),
        );
        let field = leaf::build(self.escrow.public_key(), &self.family, &inputs)
            .map_err(LayerError::from)?;
        Ok(vec![(LEAF_EXTENSION, field)])
    }
}

/// The check of a compliant client: before anything is released, the
/// envelope must carry an access field for the authority it complies with
/// that passes the [`LeafCheck`] policy (by default [`LeafCheck::Recompute`]).
/// Under `Recompute` a field that passes opens for that authority, whatever
/// options the sender chose — associated data included, since the field
/// carries its hash.
///
/// ```
/// use doormat::{e2e, escrow::{self, Compliance, EscrowAuthority, LeafCheck}, keys::Identity};
///
/// let authority = EscrowAuthority::generate();
/// let (alice, bob) = (Identity::generate(), Identity::generate());
/// let escrowed = escrow::seal(&alice, &[bob.public()], &authority.public_key(), b"hi")?;
/// let clean = e2e::seal(&alice, &[bob.public()], b"hi")?;
///
/// let client = || e2e::Opener::new(&bob)
///     .layer(Compliance::pinned(&authority.public_key()).policy(LeafCheck::Recompute));
/// assert!(client().open(&escrowed).is_ok());
/// let refused = client().open(&clean).unwrap_err();
/// assert!(matches!(refused.layer::<escrow::Error>(), Some(escrow::Error::NotEscrowed)));
/// # Ok::<(), doormat::Error>(())
/// ```
#[derive(Debug)]
pub struct Compliance {
    pub(super) policy: LeafCheck,
    pub(super) trusted: Option<EscrowKey>,
    pub(super) family: FamilyKey,
}

impl Compliance {
    /// A client that complies with `authority` only: a field escrowed to any
    /// other key is refused ([`Error::InvalidAccessField`](super::Error::InvalidAccessField)).
    pub fn pinned(authority: &EscrowKey) -> Compliance {
        Compliance {
            policy: LeafCheck::default(),
            trusted: Some(authority.clone()),
            family: FamilyKey::default(),
        }
    }

    /// **Not for compliance.** A client that accepts a valid field escrowed
    /// to *any* key — so a sender can name an escrow key of their own, and
    /// the authority reads nothing. It exists, as an explicit choice, for the
    /// lessons (key substitution, LEAF forgery) that show why a compliant
    /// client must be told which authority it complies with.
    pub fn unpinned() -> Compliance {
        Compliance {
            policy: LeafCheck::default(),
            trusted: None,
            family: FamilyKey::default(),
        }
    }

    /// The check policy.
    pub fn policy(mut self, policy: LeafCheck) -> Compliance {
        self.policy = policy;
        self
    }

    /// The chip family whose checksums [`LeafCheck::Clipper16`] verifies.
    pub fn family(mut self, family: FamilyKey) -> Compliance {
        self.family = family;
        self
    }

    /// This client's check as a device that answers yes or no, for one
    /// envelope being sealed: would it accept a given access field in that
    /// envelope? It is all Matt Blaze needed in 1994 — a compliant device to
    /// query — and what the LEAF-forgery lesson queries. The family key
    /// stays sealed inside; under
    /// [`LeafCheck::Recompute`] the expected field is rebuilt once per named
    /// key, not once per question. Teaching only: public under `hazmat`.
    #[cfg(feature = "hazmat")]
    pub(crate) fn field_oracle<'s>(&'s self, sealing: &'s Sealing<'s>) -> FieldOracle<'s> {
        FieldOracle {
            compliance: self,
            inputs: FieldInputs::new(
                sealing.content_key(),
                sealing.core_header(),
                sealing.aad_hash(),
            ),
            expected: RefCell::new(None),
        }
    }
}

/// A compliant client's check, asked about candidate access fields for one
/// envelope (see `hazmat::escrow::field_oracle`).
#[cfg(feature = "hazmat")]
pub struct FieldOracle<'s> {
    compliance: &'s Compliance,
    inputs: FieldInputs<'s>,
    /// The field `Recompute` expects for the key last named.
    expected: RefCell<Option<(EncryptionKey, Vec<u8>)>>,
}

#[cfg(feature = "hazmat")]
impl FieldOracle<'_> {
    /// Whether the client would accept `field` in this envelope.
    pub fn accepts(&self, field: &[u8]) -> bool {
        let c = self.compliance;
        leaf::check_with(
            c.policy,
            &c.family,
            c.trusted.as_ref().map(EscrowKey::public_key),
            Some(field),
            &self.inputs,
            |pk| {
                let mut cache = self.expected.borrow_mut();
                match &*cache {
                    Some((named, body)) if named == pk => Ok(body.clone()),
                    _ => {
                        let body = leaf::build(pk, &c.family, &self.inputs)?;
                        *cache = Some((pk.clone(), body.clone()));
                        Ok(body)
                    }
                }
            },
        )
        .is_ok()
    }
}

#[cfg(feature = "hazmat")]
impl fmt::Debug for FieldOracle<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FieldOracle")
            .field("compliance", self.compliance)
            .finish_non_exhaustive()
    }
}

impl Layer for Compliance {
    fn extension_types(&self) -> &[u16] {
        &[LEAF_EXTENSION]
    }

    fn check(&self, opening: &Opening<'_>) -> Result<(), LayerError> {
        let header = opening.header();
        leaf::check(
            self.policy,
            &self.family,
            self.trusted.as_ref().map(EscrowKey::public_key),
            header.extension(LEAF_EXTENSION),
            &FieldInputs::new(
                opening.content_key(),
                header.core_bytes(),
                opening.aad_hash(),
            ),
        )
        .map_err(LayerError::from)
    }
}
