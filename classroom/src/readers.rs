//! Who can read a message: every answer is a real call into doormat's
//! public API, made by a party holding exactly the keys it would hold.
//!
//! A phone in the end-to-end room is a plain client ([`e2e::open`]); in the
//! escrow room it is a compliant client ([`escrow::open`], pinned to the
//! room's authority), so it refuses a clean envelope. The state, and anyone
//! holding a copy of its key, calls [`EscrowAuthority::open`] with the
//! envelope and nothing else. Whoever finds an envelope inside what they
//! opened (superencryption) tries that one too, as any reader would.

use doormat::e2e::{self, Header, Opened};
use doormat::escrow::{self, EscrowAuthority, EscrowKey};
use doormat::keys::{Fingerprint, Identity};
use serde::Serialize;

/// A party's keys, and how its client uses them.
#[derive(Clone, Copy)]
pub(crate) enum Reader<'a> {
    /// A client that complies with no authority: it opens what is
    /// addressed to its key, escrowed or not.
    Plain(&'a Identity),
    /// A phone in the escrow room: a compliant client pinned to the room's
    /// authority, which refuses an envelope without a valid access field.
    Compliant(&'a Identity, &'a EscrowKey),
    /// The escrow key (the state's, or a copy of it): opens any envelope
    /// escrowed to it, without being a recipient.
    Key(&'a EscrowAuthority),
}

impl Reader<'_> {
    fn open(&self, envelope: &[u8]) -> Result<Opened, doormat::Error> {
        match self {
            Reader::Plain(id) => e2e::open(id, envelope).map_err(Into::into),
            Reader::Compliant(id, key) => escrow::open(id, key, envelope).map_err(Into::into),
            Reader::Key(key) => key.open(envelope).map_err(Into::into),
        }
    }

    /// How the reader tries an envelope found inside another: whoever
    /// superencrypts runs a plain client for the inner layer.
    fn inner(self) -> Self {
        match self {
            Reader::Compliant(id, _) => Reader::Plain(id),
            other => other,
        }
    }
}

/// What one attempt gave.
pub(crate) enum Attempt {
    /// The plaintext, and the sender whose signature verified.
    Reads {
        /// The message: text, or a picture's bytes.
        plaintext: Vec<u8>,
        /// The verified sender.
        sender: Fingerprint,
    },
    /// The outer envelope opened to another envelope, which this reader
    /// cannot open: why not.
    Envelope(String),
    /// Refused: the error's name (`NotARecipient`, `NotEscrowed`, …).
    Cannot(String),
}

/// `reader` tries `envelope`, and the envelope inside it if there is one.
pub(crate) fn attempt(reader: Reader<'_>, envelope: &[u8]) -> Attempt {
    let outer = match reader.open(envelope) {
        Ok(opened) => opened,
        Err(e) => return Attempt::Cannot(name(&e)),
    };
    let opened = if Header::parse(outer.plaintext()).is_ok() {
        match reader.inner().open(outer.plaintext()) {
            Ok(inner) => inner,
            Err(e) => return Attempt::Envelope(name(&e)),
        }
    } else {
        outer
    };
    Attempt::Reads {
        sender: opened.sender().fingerprint(),
        plaintext: opened.into_plaintext(),
    }
}

/// The name of the innermost error, as the tour prints it.
fn name(e: &doormat::Error) -> String {
    let debug = match e {
        doormat::Error::Open(e) | doormat::Error::Escrow(escrow::Error::Open(e)) => {
            format!("{e:?}")
        }
        doormat::Error::Escrow(e) => format!("{e:?}"),
        e => format!("{e:?}"),
    };
    debug
        .chars()
        .take_while(char::is_ascii_alphanumeric)
        .collect()
}

/// One cell of the who-can-read matrix: what the party got, without the
/// plaintext.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "got", content = "why", rename_all = "snake_case")]
pub(crate) enum Cell {
    /// Read the message.
    Reads,
    /// Opened the outer layer and found an envelope it cannot open.
    Envelope(String),
    /// Refused, with the error's name.
    Cannot(String),
    /// Holds no key (nothing leaked, no phone seized).
    NoKey,
}

impl Cell {
    /// The cell for a reader, or [`Cell::NoKey`] without one.
    pub(crate) fn of(reader: Option<Reader<'_>>, envelope: &[u8]) -> Cell {
        match reader.map(|r| attempt(r, envelope)) {
            None => Cell::NoKey,
            Some(Attempt::Reads { .. }) => Cell::Reads,
            Some(Attempt::Envelope(why)) => Cell::Envelope(why),
            Some(Attempt::Cannot(why)) => Cell::Cannot(why),
        }
    }

    /// Whether the party read the message.
    pub(crate) fn reads(&self) -> bool {
        *self == Cell::Reads
    }
}

/// How many of the other phones read a message.
#[derive(Clone, Copy, Debug, Default, Serialize)]
pub(crate) struct Others {
    /// Phones that read it.
    pub(crate) read: usize,
    /// Phones that tried: every phone in the room when it was sent, but
    /// its sender and its recipient.
    pub(crate) tried: usize,
}

/// A message's row of the matrix: every party's cell.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct Cells {
    /// The recipient's phone, with the client the room runs now.
    pub(crate) recipient: Cell,
    /// Every other phone, each with its own key.
    pub(crate) others: Others,
    /// The service that relays the envelope (its own key).
    pub(crate) service: Cell,
    /// An eavesdropper on the network (its own key, and the bytes).
    pub(crate) eavesdropper: Cell,
    /// The state, with the escrow authority's key.
    pub(crate) state: Cell,
    /// A student holding a leaked copy of the escrow key.
    pub(crate) criminal: Cell,
    /// Whoever seized a phone, with a copy of its keys.
    pub(crate) seizer: Cell,
}

impl Cells {
    /// How many parties other than the recipient read the message.
    pub(crate) fn outsiders_reading(&self) -> usize {
        self.others.read
            + [
                &self.service,
                &self.eavesdropper,
                &self.state,
                &self.criminal,
                &self.seizer,
            ]
            .into_iter()
            .filter(|c| c.reads())
            .count()
    }
}
