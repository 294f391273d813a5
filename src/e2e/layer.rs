//! The one extension point of the envelope: the [`Layer`] trait, and what a
//! layer sees. Its documentation says what a layer can and cannot do.

use core::fmt;

use zeroize::Zeroizing;

use super::error::LayerError;
use super::format::Header;
use crate::hash::SHA256_LEN;
use crate::keys::{Fingerprint, PublicIdentity};

/// Length of a content key (the "file key" of age).
pub const CONTENT_KEY_LEN: usize = 32;

/// The per-envelope secret everything else is derived from: drawn at random
/// for each envelope and wrapped to each recipient.
///
/// Every recipient knows it, so it proves nothing about who wrote an
/// envelope. Zeroized on drop; `Debug` is redacted; not `Clone`.
pub struct ContentKey(Zeroizing<[u8; CONTENT_KEY_LEN]>);

impl ContentKey {
    /// A content key from its bytes (for a layer that unwraps one).
    pub fn from_bytes(bytes: &[u8; CONTENT_KEY_LEN]) -> ContentKey {
        ContentKey(Zeroizing::new(*bytes))
    }

    /// The secret bytes.
    pub fn as_bytes(&self) -> &[u8; CONTENT_KEY_LEN] {
        &self.0
    }
}

impl fmt::Debug for ContentKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ContentKey([redacted])")
    }
}

/// What a layer sees while an envelope is sealed: its content key, the core
/// header (magic through the stanzas: everything an extension can be bound
/// to, see [`Header::core_bytes`]), and the hash of the associated data.
#[derive(Debug)]
pub struct Sealing<'s> {
    pub(crate) content_key: &'s ContentKey,
    pub(crate) core_header: &'s [u8],
    pub(crate) aad_hash: &'s [u8; SHA256_LEN],
}

impl Sealing<'_> {
    /// The envelope's content key.
    pub fn content_key(&self) -> &ContentKey {
        self.content_key
    }

    /// The core header.
    pub fn core_header(&self) -> &[u8] {
        self.core_header
    }

    /// `SHA-256(aad)`: what the payload keys are derived from (the
    /// associated data itself is never sent).
    pub fn aad_hash(&self) -> &[u8; SHA256_LEN] {
        self.aad_hash
    }
}

/// What a layer sees while an envelope is opened, after the sender block has
/// authenticated and before any plaintext: the header, the content key, the
/// hash of the associated data, and the (not yet signature-verified) sender
/// and recipient set.
#[derive(Debug)]
pub struct Opening<'s> {
    pub(crate) header: &'s Header,
    pub(crate) content_key: &'s ContentKey,
    pub(crate) aad_hash: &'s [u8; SHA256_LEN],
    pub(crate) sender: &'s PublicIdentity,
    pub(crate) recipients: &'s [Fingerprint],
}

impl Opening<'_> {
    /// The parsed header.
    pub fn header(&self) -> &Header {
        self.header
    }

    /// The envelope's content key.
    pub fn content_key(&self) -> &ContentKey {
        self.content_key
    }

    /// `SHA-256(aad)` as the opener derives it.
    pub fn aad_hash(&self) -> &[u8; SHA256_LEN] {
        self.aad_hash
    }

    /// The sender the sender block names. Its signature is verified after
    /// the payload; if it fails, nothing the layer allowed is released.
    pub fn sender(&self) -> &PublicIdentity {
        self.sender
    }

    /// The recipient fingerprints the sender block lists, in stanza order.
    pub fn recipients(&self) -> &[Fingerprint] {
        self.recipients
    }
}

/// What an unlocking layer found in the header: the content key and, when
/// the layer learned it from the envelope, the hash of the associated data
/// (a reader that is not a recipient may not have the data itself).
#[derive(Debug)]
pub struct Unlocked {
    /// The envelope's content key.
    pub content_key: ContentKey,
    /// `SHA-256(aad)`, if the layer knows it. The opener's own associated
    /// data, when given, takes precedence.
    pub aad_hash: Option<[u8; SHA256_LEN]>,
}

/// A construction on top of the envelope: the envelope's one extension
/// point. Every method has a default that does nothing, so a layer
/// implements only what it needs.
///
/// A layer attached to a [`Sealer`](super::Sealer) or an
/// [`Opener`](super::Opener) may
///
/// 1. **add header extensions computed from the content key** while sealing
///    ([`Layer::extensions`]). They travel in clear, and every header byte is
///    bound by the key schedule and the sender's signature, so nobody can
///    change or move them without the envelope failing to open;
/// 2. **check an envelope before anything is released** while opening
///    ([`Layer::check`]): it runs once the sender block has authenticated —
///    the layer sees the header, the content key, the sender and the
///    recipient set — and before any chunk is decrypted or written;
/// 3. **supply the content key from the header** instead of a stanza, for a
///    reader that is not a recipient ([`Layer::unlock`], used by
///    [`Opener::unlocked_by`](super::Opener::unlocked_by)).
///
/// Layers stack: a sealer adds every layer's extensions, an opener runs
/// every layer's check in the order given, and only the layer given to
/// `unlocked_by` unlocks. So a layer added to an escrowed sealer or a
/// compliant opener adds to escrow; it cannot drop it.
///
/// A layer cannot do anything else: it never sees the plaintext, cannot
/// change the stanzas, the chunks or the signature, and cannot make an
/// envelope open that fails any of the envelope's own checks. Whatever it
/// checks, the sender's signature is still verified afterwards.
///
/// A layer reports its own error type: the envelope carries it boxed
/// ([`LayerError`]) in [`SealError::Layer`](super::SealError::Layer) or
/// [`OpenError::Layer`](super::OpenError::Layer), and the caller gets it
/// back by type. Box it once, with `LayerError::from(e)` (or
/// `Box::new(e) as LayerError`): `?` on a `Result<_, Box<E>>` boxes the box
/// again, and the error is then no longer found as an `E`.
///
/// ```
/// use doormat::e2e::{self, Layer, LayerError, Opening, Sealing};
/// use doormat::keys::Identity;
///
/// /// Stamps every envelope with a department tag, and refuses any other.
/// #[derive(Debug)]
/// struct Department(&'static [u8]);
///
/// /// The department layer's own error.
/// #[derive(Debug, PartialEq)]
/// struct WrongDepartment;
///
/// impl std::fmt::Display for WrongDepartment {
///     fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
///         f.write_str("sealed for another department")
///     }
/// }
///
/// impl std::error::Error for WrongDepartment {}
///
/// impl Layer for Department {
///     fn extensions(&self, _: &Sealing<'_>) -> Result<Vec<(u16, Vec<u8>)>, LayerError> {
///         Ok(vec![(0x4450, self.0.to_vec())])
///     }
///     fn check(&self, opening: &Opening<'_>) -> Result<(), LayerError> {
///         match opening.header().extension(0x4450) {
///             Some(tag) if tag == self.0 => Ok(()),
///             _ => Err(Box::new(WrongDepartment)),
///         }
///     }
/// }
///
/// let (alice, bob) = (Identity::generate(), Identity::generate());
/// let envelope = e2e::Sealer::new(&alice, &[bob.public()])
///     .layer(Department(b"legal"))
///     .seal(b"privileged")?;
/// assert!(e2e::Opener::new(&bob).layer(Department(b"legal")).open(&envelope).is_ok());
/// let refused = e2e::Opener::new(&bob).layer(Department(b"sales")).open(&envelope).unwrap_err();
/// assert_eq!(refused.layer::<WrongDepartment>(), Some(&WrongDepartment));
/// # Ok::<(), doormat::Error>(())
/// ```
pub trait Layer: fmt::Debug {
    /// While sealing, once per envelope: header extensions to add, computed
    /// from what [`Sealing`] shows. Types must be distinct from each other
    /// and from the sealer's own extensions.
    ///
    /// # Errors
    ///
    /// Any error aborts the seal and is returned to the caller in
    /// [`SealError::Layer`](super::SealError::Layer).
    fn extensions(&self, sealing: &Sealing<'_>) -> Result<Vec<(u16, Vec<u8>)>, LayerError> {
        let _ = sealing;
        Ok(Vec::new())
    }

    /// While opening, before anything is released: refuse the envelope by
    /// returning an error.
    ///
    /// # Errors
    ///
    /// The layer's own; it is returned to the caller in
    /// [`OpenError::Layer`](super::OpenError::Layer).
    fn check(&self, opening: &Opening<'_>) -> Result<(), LayerError> {
        let _ = opening;
        Ok(())
    }

    /// The header extension types this layer writes or reads. An opener
    /// told to refuse unknown extensions
    /// ([`Opener::refuse_unknown_extensions`](super::Opener::refuse_unknown_extensions))
    /// accepts these. None by default.
    fn extension_types(&self) -> &[u16] {
        &[]
    }

    /// For an opener made with
    /// [`Opener::unlocked_by`](super::Opener::unlocked_by): the content key
    /// from the header, instead of from a stanza. `None` (the default): this
    /// layer gives no key, and the opener fails with
    /// [`OpenError::NotARecipient`](super::OpenError::NotARecipient).
    ///
    /// # Errors
    ///
    /// The layer's own, returned in
    /// [`OpenError::Layer`](super::OpenError::Layer).
    fn unlock(&self, header: &Header) -> Result<Option<Unlocked>, LayerError> {
        let _ = header;
        Ok(None)
    }
}

impl<L: Layer + ?Sized> Layer for &L {
    fn extensions(&self, sealing: &Sealing<'_>) -> Result<Vec<(u16, Vec<u8>)>, LayerError> {
        (**self).extensions(sealing)
    }

    fn check(&self, opening: &Opening<'_>) -> Result<(), LayerError> {
        (**self).check(opening)
    }

    fn unlock(&self, header: &Header) -> Result<Option<Unlocked>, LayerError> {
        (**self).unlock(header)
    }

    fn extension_types(&self) -> &[u16] {
        (**self).extension_types()
    }
}
