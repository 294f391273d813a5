//! The wire format of session messages (`docs/FORMAT.md`, section 8), and
//! the one strict reader every session parser uses: each length and count
//! is checked against its bound before anything is sized from it, and no
//! trailing byte is accepted.

use core::fmt;
use core::ops::Range;

use super::error::{Error, Result};
use crate::hpke::{Kem as _, PublicKey, XWing, X25519};
use crate::keys::{PublicIdentity, PQ_PUBLIC_IDENTITY_LEN, PUBLIC_IDENTITY_LEN};

/// The magic every session message starts with.
pub const MESSAGE_MAGIC: &[u8; 3] = b"dms";
/// The session formats' version.
pub const SESSION_VERSION: u8 = 0x01;
/// The most bytes of extension records one message carries (an X-Wing
/// access field needs 2,424).
pub const MAX_EXTENSIONS_LEN: usize = 8192;
/// The length of a message's ratchet header: ratchet key, `PN`, `N`.
pub const HEADER_LEN: usize = 32 + 4 + 4;
/// Bytes before the set-up section or the header: magic, version, type.
pub(crate) const PREFIX_LEN: usize = MESSAGE_MAGIC.len() + 2;
/// The AEAD tag.
pub(crate) const TAG_LEN: usize = 16;

const TYPE_SETUP: u8 = 0x01;
const TYPE_MESSAGE: u8 = 0x02;
pub(crate) const SETUP_ONE_TIME: u8 = 0x01;
pub(crate) const SETUP_POST_QUANTUM: u8 = 0x02;
pub(crate) const SETUP_PQ_INITIATOR: u8 = 0x04;
const SETUP_FLAGS: u8 = SETUP_ONE_TIME | SETUP_POST_QUANTUM | SETUP_PQ_INITIATOR;

/// The longest set-up section: flags, a post-quantum identity, the
/// ephemeral key, three prekey ids and an X-Wing ciphertext.
pub(crate) const MAX_SETUP_LEN: usize = 1 + PQ_PUBLIC_IDENTITY_LEN + 32 + 3 * 4 + XWing::ENC_LEN;

/// A strict reader over bytes: every read is bounds-checked and fails with
/// [`Error::Malformed`] naming what was cut short.
pub(crate) struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
    truncated: &'static str,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(bytes: &'a [u8], truncated: &'static str) -> Reader<'a> {
        Reader {
            bytes,
            at: 0,
            truncated,
        }
    }

    pub(crate) fn position(&self) -> usize {
        self.at
    }

    pub(crate) fn remaining(&self) -> usize {
        self.bytes.len() - self.at
    }

    pub(crate) fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        if n > self.remaining() {
            return Err(Error::Malformed(self.truncated));
        }
        let out = &self.bytes[self.at..self.at + n];
        self.at += n;
        Ok(out)
    }

    pub(crate) fn array<const N: usize>(&mut self) -> Result<[u8; N]> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }

    pub(crate) fn u8(&mut self) -> Result<u8> {
        Ok(self.take(1)?[0])
    }

    pub(crate) fn u16(&mut self) -> Result<u16> {
        Ok(u16::from_be_bytes(self.array()?))
    }

    pub(crate) fn u32(&mut self) -> Result<u32> {
        Ok(u32::from_be_bytes(self.array()?))
    }

    /// A presence or flag byte: 0 or 1, nothing else.
    pub(crate) fn flag(&mut self) -> Result<bool> {
        match self.u8()? {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(Error::Malformed("flag byte other than 0 or 1")),
        }
    }

    /// The rest, and the reader is done.
    pub(crate) fn rest(&mut self) -> &'a [u8] {
        let out = &self.bytes[self.at..];
        self.at = self.bytes.len();
        out
    }

    /// Refuses trailing bytes.
    pub(crate) fn finish(&self) -> Result<()> {
        if self.remaining() == 0 {
            Ok(())
        } else {
            Err(Error::Malformed("trailing bytes"))
        }
    }

    /// A magic and the version after it.
    pub(crate) fn magic(&mut self, magic: &[u8]) -> Result<()> {
        if self.bytes.len() < magic.len() || &self.bytes[..magic.len()] != magic {
            return Err(Error::NotASessionObject);
        }
        self.at = magic.len();
        let version = self.u8()?;
        if version != SESSION_VERSION {
            return Err(Error::UnsupportedVersion(version));
        }
        Ok(())
    }

    /// A public identity of the kind `post_quantum` says.
    pub(crate) fn identity(&mut self, post_quantum: bool) -> Result<PublicIdentity> {
        let len = if post_quantum {
            PQ_PUBLIC_IDENTITY_LEN
        } else {
            PUBLIC_IDENTITY_LEN
        };
        PublicIdentity::from_bytes(self.take(len)?).map_err(|_| Error::InvalidKey)
    }

    /// An X25519 public key that every published key passes: canonical,
    /// not of small order.
    pub(crate) fn x25519(&mut self) -> Result<PublicKey<X25519>> {
        let key = PublicKey::<X25519>::from_bytes(self.take(X25519::PUBLIC_KEY_LEN)?)?;
        key.validate()?;
        Ok(key)
    }
}

/// Whether a message sets a session up or continues one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MessageKind {
    /// The initiator's messages until the first reply: the set-up (X3DH or
    /// PQXDH) in clear, then a ratchet message.
    Setup,
    /// A ratchet message.
    Ratchet,
}

/// The set-up section of a set-up message, as an observer reads it.
#[derive(Clone)]
pub struct Setup<'a> {
    pub(crate) initiator: PublicIdentity,
    pub(crate) ephemeral: PublicKey<X25519>,
    pub(crate) signed_prekey: u32,
    pub(crate) one_time_prekey: Option<u32>,
    pub(crate) post_quantum: Option<(u32, &'a [u8])>,
}

impl Setup<'_> {
    /// The initiator's public identity, in clear (as in X3DH).
    pub fn initiator(&self) -> &PublicIdentity {
        &self.initiator
    }

    /// The id of the responder's signed prekey it used.
    pub fn signed_prekey_id(&self) -> u32 {
        self.signed_prekey
    }

    /// The id of the one-time prekey it used, if any.
    pub fn one_time_prekey_id(&self) -> Option<u32> {
        self.one_time_prekey
    }

    /// The id of the post-quantum prekey it encapsulated to, if any.
    pub fn post_quantum_prekey_id(&self) -> Option<u32> {
        self.post_quantum.map(|(id, _)| id)
    }
}

impl fmt::Debug for Setup<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Setup")
            .field("initiator", &self.initiator)
            .field("signed_prekey", &self.signed_prekey)
            .field("one_time_prekey", &self.one_time_prekey)
            .field("post_quantum_prekey", &self.post_quantum_prekey_id())
            .finish_non_exhaustive()
    }
}

/// Parses a set-up section (flags through the ciphertext).
pub(crate) fn parse_setup<'a>(r: &mut Reader<'a>) -> Result<Setup<'a>> {
    let flags = r.u8()?;
    if flags & !SETUP_FLAGS != 0 {
        return Err(Error::Malformed("unknown set-up flags"));
    }
    let initiator = r.identity(flags & SETUP_PQ_INITIATOR != 0)?;
    let ephemeral = r.x25519()?;
    let signed_prekey = r.u32()?;
    let one_time_prekey = match flags & SETUP_ONE_TIME {
        0 => None,
        _ => Some(r.u32()?),
    };
    let post_quantum = match flags & SETUP_POST_QUANTUM {
        0 => None,
        _ => Some((r.u32()?, r.take(XWing::ENC_LEN)?)),
    };
    Ok(Setup {
        initiator,
        ephemeral,
        signed_prekey,
        one_time_prekey,
        post_quantum,
    })
}

/// A session message as anyone on the wire reads it, nothing authenticated
/// yet: its kind, its set-up section, its ratchet header and its extension
/// records.
///
/// ```
/// use doormat::keys::Identity;
/// use doormat::session::{Message, MessageKind, Prekeys, Session};
///
/// let (alice, bob) = (Identity::generate(), Identity::generate());
/// let prekeys = Prekeys::generate(&bob, 1, false);
/// let mut session = Session::initiate(&alice, &prekeys.bundles()[0])?;
/// let wire = session.encrypt(b"hi")?;
/// let message = Message::parse(&wire)?;
/// assert_eq!(message.kind(), MessageKind::Setup);
/// assert_eq!(message.setup().map(|s| s.initiator().clone()), Some(alice.public()));
/// assert_eq!((message.previous_chain_len(), message.counter()), (0, 0));
/// # Ok::<(), doormat::session::Error>(())
/// ```
pub struct Message<'a> {
    bytes: &'a [u8],
    setup: Option<Setup<'a>>,
    setup_range: Range<usize>,
    ratchet_key: PublicKey<X25519>,
    previous_chain_len: u32,
    counter: u32,
    core_len: usize,
    extensions: Vec<(u16, Range<usize>)>,
    body: usize,
}

impl<'a> Message<'a> {
    /// Parses a whole message strictly.
    ///
    /// # Errors
    ///
    /// [`Error::NotASessionObject`] without the magic `dms`;
    /// [`Error::UnsupportedVersion`]; [`Error::Malformed`] for an unknown
    /// type or flags, a truncated section, extension records over
    /// [`MAX_EXTENSIONS_LEN`] bytes, cut short or out of order, or a
    /// ciphertext shorter than its tag; [`Error::InvalidKey`] for an
    /// invalid initiator identity, or an ephemeral or ratchet key that is
    /// not canonical or of small order.
    pub fn parse(bytes: &'a [u8]) -> Result<Message<'a>> {
        let mut r = Reader::new(bytes, "truncated message");
        r.magic(MESSAGE_MAGIC)?;
        let setup_start = PREFIX_LEN;
        let setup = match r.u8()? {
            TYPE_SETUP => Some(parse_setup(&mut r)?),
            TYPE_MESSAGE => None,
            _ => return Err(Error::Malformed("unknown message type")),
        };
        let setup_range = setup_start..r.position();
        let ratchet_key = r.x25519()?;
        let previous_chain_len = r.u32()?;
        let counter = r.u32()?;
        let core_len = r.position();
        let ext_len = usize::from(r.u16()?);
        if ext_len > MAX_EXTENSIONS_LEN {
            return Err(Error::Malformed("extensions longer than 8 KiB"));
        }
        let ext_start = r.position();
        let records = r.take(ext_len)?;
        let extensions = parse_extensions(records, ext_start)?;
        let body = r.position();
        if r.rest().len() < TAG_LEN {
            return Err(Error::Malformed("ciphertext shorter than its tag"));
        }
        Ok(Message {
            bytes,
            setup,
            setup_range,
            ratchet_key,
            previous_chain_len,
            counter,
            core_len,
            extensions,
            body,
        })
    }

    /// Set-up or ratchet message.
    pub fn kind(&self) -> MessageKind {
        match self.setup {
            Some(_) => MessageKind::Setup,
            None => MessageKind::Ratchet,
        }
    }

    /// The set-up section of a set-up message.
    pub fn setup(&self) -> Option<&Setup<'a>> {
        self.setup.as_ref()
    }

    /// The sender's ratchet public key (the Double Ratchet's `header.dh`).
    pub fn ratchet_key(&self) -> &PublicKey<X25519> {
        &self.ratchet_key
    }

    /// The length of the sender's previous sending chain (`header.pn`).
    pub fn previous_chain_len(&self) -> u32 {
        self.previous_chain_len
    }

    /// The message's number in its sending chain (`header.n`).
    pub fn counter(&self) -> u32 {
        self.counter
    }

    /// The header a layer binds to: every byte before the extension
    /// records (prefix, set-up section, ratchet header).
    pub fn header(&self) -> &'a [u8] {
        &self.bytes[..self.core_len]
    }

    /// The body of the extension record of type `ty`, if present.
    pub fn extension(&self, ty: u16) -> Option<&'a [u8]> {
        self.extensions
            .iter()
            .find(|(t, _)| *t == ty)
            .map(|(_, range)| &self.bytes[range.clone()])
    }

    /// The extension records' types, in order.
    pub fn extension_types(&self) -> impl Iterator<Item = u16> + '_ {
        self.extensions.iter().map(|(t, _)| *t)
    }

    /// The ciphertext's length, its tag included.
    pub fn ciphertext_len(&self) -> usize {
        self.bytes.len() - self.body
    }

    /// The set-up section's bytes (empty for a ratchet message).
    pub(crate) fn setup_bytes(&self) -> &'a [u8] {
        &self.bytes[self.setup_range.clone()]
    }

    /// Everything before the ciphertext: the AEAD's associated data after
    /// the session's `AD`.
    pub(crate) fn head(&self) -> &'a [u8] {
        &self.bytes[..self.body]
    }

    pub(crate) fn ciphertext(&self) -> &'a [u8] {
        &self.bytes[self.body..]
    }
}

impl fmt::Debug for Message<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Message")
            .field("kind", &self.kind())
            .field("setup", &self.setup)
            .field("ratchet_key", &self.ratchet_key)
            .field("previous_chain_len", &self.previous_chain_len)
            .field("counter", &self.counter)
            .field("extensions", &self.extensions)
            .field("ciphertext_len", &self.ciphertext_len())
            .finish()
    }
}

/// Splits the record section: `type (u16) || len (u16) || body`, types
/// strictly increasing. Ranges are offsets into the whole message.
fn parse_extensions(records: &[u8], offset: usize) -> Result<Vec<(u16, Range<usize>)>> {
    let mut r = Reader::new(records, "truncated extension");
    let mut out: Vec<(u16, Range<usize>)> = Vec::new();
    while r.remaining() > 0 {
        let ty = r.u16()?;
        let len = usize::from(r.u16()?);
        let start = offset + r.position();
        r.take(len)?;
        if out.last().is_some_and(|(last, _)| *last >= ty) {
            return Err(Error::Malformed("extensions out of order or duplicated"));
        }
        out.push((ty, start..start + len));
    }
    Ok(out)
}

/// Writes a message's header ([`Message::header`]): prefix, set-up
/// section (if any), ratchet header.
pub(crate) fn write_header(
    setup: Option<&[u8]>,
    ratchet_key: &[u8; 32],
    previous_chain_len: u32,
    counter: u32,
) -> Vec<u8> {
    let setup = setup.unwrap_or_default();
    let mut out = Vec::with_capacity(PREFIX_LEN + setup.len() + HEADER_LEN + 2);
    out.extend_from_slice(MESSAGE_MAGIC);
    out.push(SESSION_VERSION);
    out.push(if setup.is_empty() {
        TYPE_MESSAGE
    } else {
        TYPE_SETUP
    });
    out.extend_from_slice(setup);
    out.extend_from_slice(ratchet_key);
    out.extend_from_slice(&previous_chain_len.to_be_bytes());
    out.extend_from_slice(&counter.to_be_bytes());
    out
}

/// Appends the extension section: its length, then the records sorted by
/// type.
///
/// # Errors
///
/// [`Error::InvalidArgument`] for two records of one type, or records
/// over [`MAX_EXTENSIONS_LEN`] bytes.
pub(crate) fn append_extensions(
    out: &mut Vec<u8>,
    mut extensions: Vec<(u16, Vec<u8>)>,
) -> Result<()> {
    extensions.sort_by_key(|(t, _)| *t);
    if extensions.windows(2).any(|w| w[0].0 == w[1].0) {
        return Err(Error::InvalidArgument("duplicate extension type"));
    }
    let ext_len: usize = extensions.iter().map(|(_, b)| 4 + b.len()).sum();
    // Under 8 KiB in all, so the section and every body fit a u16 length.
    if ext_len > MAX_EXTENSIONS_LEN {
        return Err(Error::InvalidArgument("extensions longer than 8 KiB"));
    }
    out.extend_from_slice(&(ext_len as u16).to_be_bytes());
    for (ty, body) in &extensions {
        out.extend_from_slice(&ty.to_be_bytes());
        out.extend_from_slice(&(body.len() as u16).to_be_bytes());
        out.extend_from_slice(body);
    }
    Ok(())
}
