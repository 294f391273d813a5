//! The room: the phones, the messages, the escrow authority and what the
//! teacher did to them. Everything lives in memory, bounded by [`Limits`];
//! nothing is written to disk.

use std::collections::BTreeMap;

use doormat::e2e;
use doormat::escrow::{self, EscrowAuthority, EscrowKey, KeyShare};
use doormat::keys::{Identity, PublicIdentity};
use doormat::random::{SystemRng, TryRng};
use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use crate::limits::{Bucket, Limits};
use crate::readers::{attempt, Attempt, Cell, Cells, Others, Reader};
use crate::scanning::{pictures, Picture, Scanner};
use crate::Refusal;

/// The rule the room lives under.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Mode {
    /// Phones seal end to end and run plain clients.
    EndToEnd,
    /// The escrow mandate: phones seal with an access field for the room's
    /// authority and run compliant clients.
    Escrow,
    /// Client-side scanning: phones seal end to end and attach a safety
    /// voucher the service opens when a picture matches its list.
    Scanning,
}

/// How a message was sealed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Kind {
    /// End to end.
    Clean,
    /// With an access field.
    Escrowed,
    /// A clean envelope inside an escrowed one.
    Superencrypted,
    /// End to end, with a safety voucher (client-side scanning).
    Scanned,
}

/// What a phone sends: text, or one of the room's pictures.
#[derive(Clone, Debug)]
pub(crate) enum Content {
    Text(String),
    Picture(usize),
}

/// How a student came to hold a copy of the escrow key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Origin {
    /// The teacher leaked it to them.
    Leaked,
    /// They rebuilt it from custody shares.
    Rebuilt,
}

/// One message on the wire.
pub(crate) struct Message {
    pub(crate) from: usize,
    pub(crate) to: usize,
    pub(crate) kind: Kind,
    /// The bytes that travel: all that the service and the network see.
    pub(crate) envelope: Vec<u8>,
    /// Whether its safety voucher matched the service's list.
    pub(crate) matched: bool,
    pub(crate) cells: Cells,
}

/// A student's simulated phone.
pub(crate) struct Student {
    pub(crate) name: String,
    pub(crate) identity: Identity,
    session: Zeroizing<String>,
    pub(crate) may_superencrypt: bool,
    pub(crate) shares: Vec<KeyShare>,
    pub(crate) key_copy: Option<(Origin, EscrowAuthority)>,
    /// Step → whether the latest answer was right.
    pub(crate) answers: BTreeMap<u8, bool>,
    pub(crate) bucket: Bucket,
    /// The seed of the phone's scanning account, and its vouchers spent.
    pub(crate) scan_account: Zeroizing<[u8; 32]>,
    pub(crate) vouchers: usize,
}

/// The split of the authority's key.
#[derive(Clone, Copy, Debug, Serialize)]
pub(crate) struct Custody {
    pub(crate) threshold: u8,
    pub(crate) shares: u8,
}

/// A column of the matrix that changes when the room does.
#[derive(Clone, Copy)]
pub(crate) enum Column {
    Recipient,
    Service,
    Criminal,
    Seizer,
}

/// The whole room.
pub(crate) struct Room {
    pub(crate) limits: Limits,
    pub(crate) students: Vec<Student>,
    pub(crate) messages: Vec<Message>,
    pub(crate) mode: Mode,
    pub(crate) authority: EscrowAuthority,
    pub(crate) escrow_key: EscrowKey,
    pub(crate) service: Identity,
    pub(crate) eavesdropper: Identity,
    /// The seized phone, and the seizer's copy of its keys.
    pub(crate) seized: Option<(usize, Identity)>,
    pub(crate) custody: Option<Custody>,
    pub(crate) step: u8,
    /// The service's scanner and list, and the pictures phones can send.
    pub(crate) scanner: Scanner,
    pub(crate) pictures: Vec<Picture>,
    /// Grows with every change; the live updates carry it.
    pub(crate) version: u64,
}

/// 32 bytes from the operating system.
pub(crate) fn secret() -> Result<Zeroizing<[u8; 32]>, Refusal> {
    let mut bytes = Zeroizing::new([0u8; 32]);
    SystemRng
        .try_fill_bytes(bytes.as_mut())
        .map_err(|e| Refusal::Internal(e.to_string()))?;
    Ok(bytes)
}

/// 32 bytes from the operating system, in hex: a session or teacher token.
pub(crate) fn token() -> Result<Zeroizing<String>, Refusal> {
    Ok(Zeroizing::new(hex::encode(secret()?.as_ref())))
}

/// A new scanner, its provider's secrets from the operating system.
pub(crate) fn scanner() -> Result<Scanner, Refusal> {
    let seed = secret()?;
    let mut word = [0u8; 8];
    word.copy_from_slice(&seed[..8]);
    Ok(Scanner::new(u64::from_le_bytes(word)))
}

/// Whether two tokens are equal, in time independent of where they differ.
pub(crate) fn same_token(a: &str, b: &str) -> bool {
    bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

/// A new classical identity from the operating system's generator.
pub(crate) fn identity() -> Result<Identity, Refusal> {
    Identity::generate_with(&mut SystemRng).map_err(|e| Refusal::Internal(e.to_string()))
}

/// A copy of an identity, through its secret text: what a seizure takes.
pub(crate) fn copy_of_identity(id: &Identity) -> Result<Identity, Refusal> {
    id.to_secret_string()
        .parse()
        .map_err(|e: doormat::keys::Error| Refusal::Internal(e.to_string()))
}

/// A copy of the escrow key, through its secret text: what a leak gives.
pub(crate) fn copy_of_key(key: &EscrowAuthority) -> Result<EscrowAuthority, Refusal> {
    key.to_secret_string()
        .parse()
        .map_err(|e: escrow::Error| Refusal::Internal(e.to_string()))
}

impl Room {
    /// An empty room with fresh keys, end to end, at step 0.
    pub(crate) fn new(limits: Limits) -> Result<Room, Refusal> {
        let authority = EscrowAuthority::generate_with(&mut SystemRng)
            .map_err(|e| Refusal::Internal(e.to_string()))?;
        Ok(Room {
            limits,
            students: Vec::new(),
            messages: Vec::new(),
            mode: Mode::EndToEnd,
            escrow_key: authority.public_key(),
            authority,
            service: identity()?,
            eavesdropper: identity()?,
            seized: None,
            custody: None,
            step: 0,
            scanner: scanner()?,
            pictures: pictures(),
            version: 0,
        })
    }

    /// Marks a change, for the live updates.
    pub(crate) fn changed(&mut self) {
        self.version += 1;
    }

    /// The phone a session token belongs to. Every token is compared, in
    /// constant time.
    pub(crate) fn session(&self, token: &str) -> Result<usize, Refusal> {
        let mut found = None;
        for (i, s) in self.students.iter().enumerate() {
            if same_token(&s.session, token) {
                found = Some(i);
            }
        }
        found.ok_or(Refusal::UnknownSession)
    }

    /// A student by number.
    pub(crate) fn student(&self, id: usize) -> Result<&Student, Refusal> {
        self.students.get(id).ok_or(Refusal::UnknownStudent(id))
    }

    /// A new phone: its number and session token.
    pub(crate) fn join(&mut self, name: &str) -> Result<(usize, Zeroizing<String>), Refusal> {
        let name = name.trim();
        if name.is_empty() {
            return Err(Refusal::BadName("it is empty"));
        }
        if name.chars().count() > self.limits.max_name_chars {
            return Err(Refusal::BadName("it is too long"));
        }
        if name.chars().any(char::is_control) {
            return Err(Refusal::BadName("it has control characters"));
        }
        let taken = |s: &Student| s.name.to_lowercase() == name.to_lowercase();
        if self.students.iter().any(taken) {
            return Err(Refusal::NameTaken);
        }
        if self.students.len() >= self.limits.max_students {
            return Err(Refusal::RoomFull(self.limits.max_students));
        }
        let session = token()?;
        self.students.push(Student {
            name: name.to_owned(),
            identity: identity()?,
            session: session.clone(),
            may_superencrypt: false,
            shares: Vec::new(),
            key_copy: None,
            answers: BTreeMap::new(),
            bucket: Bucket::full(&self.limits),
            scan_account: secret()?,
            vouchers: 0,
        });
        self.changed();
        Ok((self.students.len() - 1, session))
    }

    /// Charges one action to a phone's rate limit.
    pub(crate) fn charge(&mut self, who: usize) -> Result<(), Refusal> {
        let limits = &self.limits;
        let student = self
            .students
            .get_mut(who)
            .ok_or(Refusal::UnknownStudent(who))?;
        if student.bucket.take(limits) {
            Ok(())
        } else {
            Err(Refusal::RateLimited)
        }
    }

    /// How a phone opens its messages under the room's rule.
    pub(crate) fn phone(&self, who: usize) -> Reader<'_> {
        let id = &self.students[who].identity;
        match self.mode {
            Mode::EndToEnd | Mode::Scanning => Reader::Plain(id),
            Mode::Escrow => Reader::Compliant(id, &self.escrow_key),
        }
    }

    /// The leaked copy of the escrow key the criminal column uses: the
    /// first student's who holds one.
    pub(crate) fn leaked_key(&self) -> Option<(usize, &EscrowAuthority)> {
        self.students
            .iter()
            .enumerate()
            .find_map(|(i, s)| match &s.key_copy {
                Some((Origin::Leaked, key)) => Some((i, key)),
                _ => None,
            })
    }

    /// The party of `column` for a message to `to`, if it holds a key.
    fn reader(&self, column: Column, to: usize) -> Option<Reader<'_>> {
        match column {
            Column::Recipient => Some(self.phone(to)),
            Column::Service => Some(Reader::Plain(&self.service)),
            Column::Criminal => self.leaked_key().map(|(_, key)| Reader::Key(key)),
            Column::Seizer => self.seized.as_ref().map(|(_, id)| Reader::Plain(id)),
        }
    }

    /// What the service gets from a message: with a voucher, what its
    /// scanner gives (read once the account is over the threshold);
    /// without, what its own key opens.
    fn service_cell(&self, m: &Message, id: usize, revealed: &[usize]) -> Cell {
        match m.kind {
            Kind::Scanned if revealed.contains(&id) => Cell::Reads,
            Kind::Scanned if m.matched => Cell::Cannot("BelowThreshold".into()),
            Kind::Scanned => Cell::Cannot("NoMatch".into()),
            _ => Cell::of(self.reader(Column::Service, m.to), &m.envelope),
        }
    }

    /// Every message tried again by the party of `column`, whose keys or
    /// client just changed.
    pub(crate) fn recompute(&mut self, column: Column) {
        let revealed = match column {
            Column::Service => self.scanner.revealed(),
            _ => Vec::new(),
        };
        let cells: Vec<Cell> = self
            .messages
            .iter()
            .enumerate()
            .map(|(id, m)| match column {
                Column::Service => self.service_cell(m, id, &revealed),
                _ => Cell::of(self.reader(column, m.to), &m.envelope),
            })
            .collect();
        for (m, cell) in self.messages.iter_mut().zip(cells) {
            let slot = match column {
                Column::Recipient => &mut m.cells.recipient,
                Column::Service => &mut m.cells.service,
                Column::Criminal => &mut m.cells.criminal,
                Column::Seizer => &mut m.cells.seizer,
            };
            *slot = cell;
        }
    }

    /// Seals a text or a picture from one phone to another under the
    /// room's rule, and has every party try it.
    pub(crate) fn send(
        &mut self,
        from: usize,
        to: usize,
        content: &Content,
        superencrypt: bool,
    ) -> Result<usize, Refusal> {
        let recipient = self.student(to)?.identity.public();
        if from == to {
            return Err(Refusal::ToSelf);
        }
        match content {
            Content::Text(text) if text.len() > self.limits.max_message_len => {
                return Err(Refusal::TooLarge(
                    "the message",
                    self.limits.max_message_len,
                ))
            }
            Content::Text(text) if text.trim().is_empty() => {
                return Err(Refusal::NotNow("write something first".into()))
            }
            Content::Picture(n) if *n >= self.pictures.len() => {
                return Err(Refusal::UnknownPicture(*n))
            }
            _ => {}
        }
        if self.messages.len() >= self.limits.max_messages {
            return Err(Refusal::ArchiveFull(self.limits.max_messages));
        }
        if superencrypt {
            if self.mode != Mode::Escrow {
                return Err(Refusal::NotNow(
                    "superencryption is for the escrow room: here no access field is demanded"
                        .into(),
                ));
            }
            if !self.students[from].may_superencrypt {
                return Err(Refusal::NotNow(
                    "the teacher has not given your phone the superencryption tool".into(),
                ));
            }
        }
        self.charge(from)?;
        let plaintext = match content {
            Content::Text(text) => text.as_bytes(),
            Content::Picture(n) => &self.pictures[*n].png,
        };
        let me = &self.students[from];
        let (sender, recipients) = (&me.identity, [recipient]);
        let (kind, envelope) = match (self.mode, superencrypt) {
            (Mode::EndToEnd, _) => (Kind::Clean, seal(sender, &recipients, None, plaintext)?),
            (Mode::Escrow, false) => (
                Kind::Escrowed,
                seal(sender, &recipients, Some(&self.escrow_key), plaintext)?,
            ),
            (Mode::Escrow, true) => {
                let inner = seal(sender, &recipients, None, plaintext)?;
                let outer = seal(sender, &recipients, Some(&self.escrow_key), &inner)?;
                (Kind::Superencrypted, outer)
            }
            (Mode::Scanning, _) => (
                Kind::Scanned,
                self.scanner.seal(
                    sender,
                    &recipients,
                    plaintext,
                    &me.scan_account,
                    me.vouchers,
                )?,
            ),
        };
        let cells = self.cells(from, to, &envelope);
        let id = self.messages.len();
        let matched = kind == Kind::Scanned && {
            let account = self.students[from].identity.public().fingerprint();
            self.students[from].vouchers += 1;
            self.scanner.receive(&account, id, &envelope)
        };
        self.messages.push(Message {
            from,
            to,
            kind,
            envelope,
            matched,
            cells,
        });
        if kind == Kind::Scanned {
            // A match may put the account over the threshold: the service
            // then reads its earlier matches too.
            self.recompute(Column::Service);
        }
        self.changed();
        Ok(id)
    }

    /// Every party tries a new envelope.
    fn cells(&self, from: usize, to: usize, envelope: &[u8]) -> Cells {
        let mut others = Others::default();
        for (i, s) in self.students.iter().enumerate() {
            if i != from && i != to {
                others.tried += 1;
                if matches!(
                    attempt(Reader::Plain(&s.identity), envelope),
                    Attempt::Reads { .. }
                ) {
                    others.read += 1;
                }
            }
        }
        Cells {
            recipient: Cell::of(self.reader(Column::Recipient, to), envelope),
            others,
            service: Cell::of(Some(Reader::Plain(&self.service)), envelope),
            eavesdropper: Cell::of(Some(Reader::Plain(&self.eavesdropper)), envelope),
            state: Cell::of(Some(Reader::Key(&self.authority)), envelope),
            criminal: Cell::of(self.reader(Column::Criminal, to), envelope),
            seizer: Cell::of(self.reader(Column::Seizer, to), envelope),
        }
    }
}

/// Seals end to end, or escrowed to `escrow`.
fn seal(
    sender: &Identity,
    recipients: &[PublicIdentity],
    escrow: Option<&EscrowKey>,
    plaintext: &[u8],
) -> Result<Vec<u8>, Refusal> {
    let sealed = match escrow {
        None => e2e::seal(sender, recipients, plaintext).map_err(doormat::Error::from),
        Some(key) => escrow::seal(sender, recipients, key, plaintext).map_err(Into::into),
    };
    sealed.map_err(|e| Refusal::Internal(e.to_string()))
}
