//! What the pages show, as JSON: a phone's view for its student, and the
//! room's view for the teacher's projector. Plaintexts appear only where
//! the party holds a key that opens them, and are decrypted for the view.
//! The page renders every string as text.

use std::collections::BTreeMap;

use doormat::e2e::Header;
use doormat::escrow::named_key;
use doormat::keys::{safety_number, Fingerprint};
use serde::Serialize;

use crate::lesson::STEPS;
use crate::readers::{attempt, Attempt, Cells, Reader};
use crate::room::{Custody, Kind, Message, Mode, Origin, Room, Student};
use crate::scanning::{ListInfo, THRESHOLD};

/// A step, as the page shows it.
#[derive(Serialize)]
pub(crate) struct StepView {
    number: u8,
    of: usize,
    title: &'static str,
    task: &'static str,
    teacher: &'static str,
    question: &'static str,
    choices: &'static [&'static str],
    /// This student's latest answer (phones only).
    answered: Option<bool>,
}

/// One row of the room's traffic: what anyone on the wire sees, and every
/// party's cell.
#[derive(Serialize)]
pub(crate) struct Row<'a> {
    id: usize,
    from: &'a str,
    to: &'a str,
    kind: Kind,
    /// What an eavesdropper sees: the length, the number of recipients,
    /// the authority an access field names, the first bytes.
    bytes: usize,
    recipients: usize,
    escrowed_to: Option<String>,
    first_bytes: String,
    cells: &'a Cells,
}

/// A message opened for the view.
#[derive(Serialize)]
#[serde(tag = "got", rename_all = "snake_case")]
pub(crate) enum Read {
    /// The text (or a picture's name and number), and whose signature
    /// verified.
    Reads {
        text: String,
        picture: Option<usize>,
        signed_by: String,
    },
    /// An envelope inside, which the reader cannot open.
    Envelope { why: String },
    /// Refused.
    Cannot { why: String },
}

/// A message someone opened.
#[derive(Serialize)]
pub(crate) struct Letter<'a> {
    id: usize,
    from: &'a str,
    to: &'a str,
    kind: Kind,
    read: Read,
}

/// A classmate.
#[derive(Serialize)]
struct Contact<'a> {
    id: usize,
    name: &'a str,
    /// Computed from both public keys, to compare aloud.
    safety_number: String,
}

/// A copy of the escrow key a student holds, and what it opens.
#[derive(Serialize)]
struct KeyCopy<'a> {
    how: Origin,
    fingerprint: String,
    opens: Vec<Letter<'a>>,
}

/// Everything a student's phone shows.
#[derive(Serialize)]
pub(crate) struct PhoneView<'a> {
    version: u64,
    id: usize,
    name: &'a str,
    fingerprint: String,
    mode: Mode,
    escrow_key: String,
    step: StepView,
    contacts: Vec<Contact<'a>>,
    inbox: Vec<Letter<'a>>,
    may_superencrypt: bool,
    shares: Vec<(u8, u8)>,
    key_copy: Option<KeyCopy<'a>>,
    seized: bool,
    wire: Vec<Row<'a>>,
    max_message_len: usize,
    /// The pictures the phone can send.
    pictures: Vec<&'static str>,
    /// The scanning list the phone holds: all it can see of it.
    scan_list: ListInfo,
}

/// How many messages each party reads.
#[derive(Serialize, Default)]
struct Tally {
    messages: usize,
    recipient: usize,
    others_read: usize,
    others_tried: usize,
    service: usize,
    eavesdropper: usize,
    state: usize,
    criminal: usize,
    seizer: usize,
}

/// A student, as the teacher sees them.
#[derive(Serialize)]
struct Pupil<'a> {
    id: usize,
    name: &'a str,
    fingerprint: String,
    may_superencrypt: bool,
    shares: usize,
    key_copy: Option<Origin>,
    answers: &'a BTreeMap<u8, bool>,
}

/// Answers to one step.
#[derive(Serialize)]
struct Answers {
    answered: usize,
    correct: usize,
}

/// Client-side scanning, as the teacher sees it.
#[derive(Serialize)]
struct Scanning<'a> {
    list: ListInfo,
    poster_listed: bool,
    threshold: u8,
    /// Accounts the service reads: over the threshold.
    flagged: Vec<&'a str>,
}

/// Everything the teacher's page and the projector show.
#[derive(Serialize)]
pub(crate) struct RoomView<'a> {
    version: u64,
    mode: Mode,
    escrow_key: String,
    step: StepView,
    steps: Vec<&'static str>,
    students: Vec<Pupil<'a>>,
    tally: Tally,
    answers: Vec<Answers>,
    custody: Option<Custody>,
    leaked_to: Option<&'a str>,
    seized: Option<&'a str>,
    wire: Vec<Row<'a>>,
    /// What the state reads, newest first.
    desk: Vec<Letter<'a>>,
    scanning: Scanning<'a>,
    max_students: usize,
    max_messages: usize,
}

impl Room {
    fn step_view(&self, answered: Option<bool>) -> StepView {
        let s = &STEPS[usize::from(self.step)];
        StepView {
            number: self.step,
            of: STEPS.len(),
            title: s.title,
            task: s.task,
            teacher: s.teacher,
            question: s.question,
            choices: s.choices(),
            answered,
        }
    }

    fn name(&self, who: usize) -> &str {
        &self.students[who].name
    }

    /// The newest messages, newest first, as many as a page shows.
    fn newest(&self) -> impl Iterator<Item = (usize, &Message)> {
        self.messages
            .iter()
            .enumerate()
            .rev()
            .take(self.limits.shown_messages)
    }

    fn row<'a>(&'a self, id: usize, m: &'a Message) -> Row<'a> {
        let header = Header::parse(&m.envelope).ok();
        Row {
            id,
            from: self.name(m.from),
            to: self.name(m.to),
            kind: m.kind,
            bytes: m.envelope.len(),
            recipients: header.as_ref().map_or(0, Header::stanza_count),
            escrowed_to: header
                .as_ref()
                .and_then(named_key)
                .map(|k| k.fingerprint().to_string()),
            first_bytes: hex::encode(&m.envelope[..m.envelope.len().min(16)]),
            cells: &m.cells,
        }
    }

    /// `reader` opens message `id`, for the view.
    fn letter<'a>(&'a self, reader: Reader<'_>, id: usize, m: &'a Message) -> Letter<'a> {
        let read = match attempt(reader, &m.envelope) {
            Attempt::Reads { plaintext, sender } => {
                let picture = self.pictures.iter().position(|p| p.png == plaintext);
                Read::Reads {
                    text: match picture {
                        Some(n) => format!("[a picture: {}]", self.pictures[n].label),
                        None => String::from_utf8_lossy(&plaintext).into_owned(),
                    },
                    picture,
                    signed_by: self.signer(&sender),
                }
            }
            Attempt::Envelope(why) => Read::Envelope { why },
            Attempt::Cannot(why) => Read::Cannot { why },
        };
        Letter {
            id,
            from: self.name(m.from),
            to: self.name(m.to),
            kind: m.kind,
            read,
        }
    }

    /// The name of the phone whose key verified a signature.
    fn signer(&self, fp: &Fingerprint) -> String {
        self.holder(fp)
            .map_or_else(|| format!("an unknown key ({fp})"), |s| s.name.clone())
    }

    /// The student whose public key has this fingerprint.
    fn holder(&self, fp: &Fingerprint) -> Option<&Student> {
        self.students
            .iter()
            .find(|s| s.identity.public().fingerprint() == *fp)
    }

    /// Student `who`'s phone.
    pub(crate) fn phone_view(&self, who: usize) -> PhoneView<'_> {
        let me = &self.students[who];
        let public = me.identity.public();
        let contacts = self
            .students
            .iter()
            .enumerate()
            .filter(|&(i, _)| i != who)
            .map(|(id, s)| Contact {
                id,
                name: &s.name,
                safety_number: safety_number(&public, &s.identity.public()).to_string(),
            })
            .collect();
        let inbox = self
            .newest()
            .filter(|(_, m)| m.to == who)
            .map(|(id, m)| self.letter(self.phone(who), id, m))
            .collect();
        let key_copy = me.key_copy.as_ref().map(|(how, key)| KeyCopy {
            how: *how,
            fingerprint: key.public_key().fingerprint().to_string(),
            opens: self
                .newest()
                .map(|(id, m)| self.letter(Reader::Key(key), id, m))
                .collect(),
        });
        PhoneView {
            version: self.version,
            id: who,
            name: &me.name,
            fingerprint: public.fingerprint().to_string(),
            mode: self.mode,
            escrow_key: self.escrow_key.fingerprint().to_string(),
            step: self.step_view(me.answers.get(&self.step).copied()),
            contacts,
            inbox,
            may_superencrypt: me.may_superencrypt,
            shares: me
                .shares
                .iter()
                .map(|s| (s.index(), s.threshold()))
                .collect(),
            key_copy,
            seized: self.seized.as_ref().is_some_and(|(s, _)| *s == who),
            wire: self.newest().map(|(id, m)| self.row(id, m)).collect(),
            max_message_len: self.limits.max_message_len,
            pictures: self.pictures.iter().map(|p| p.label).collect(),
            scan_list: self.scanner.list_info(),
        }
    }

    /// The teacher's view of the room.
    pub(crate) fn room_view(&self) -> RoomView<'_> {
        let mut tally = Tally {
            messages: self.messages.len(),
            ..Tally::default()
        };
        for c in self.messages.iter().map(|m| &m.cells) {
            let count = |n: &mut usize, reads: bool| *n += usize::from(reads);
            count(&mut tally.recipient, c.recipient.reads());
            count(&mut tally.service, c.service.reads());
            count(&mut tally.eavesdropper, c.eavesdropper.reads());
            count(&mut tally.state, c.state.reads());
            count(&mut tally.criminal, c.criminal.reads());
            count(&mut tally.seizer, c.seizer.reads());
            tally.others_read += c.others.read;
            tally.others_tried += c.others.tried;
        }
        let answers = (0..STEPS.len())
            .map(|step| {
                let given = self
                    .students
                    .iter()
                    .filter_map(|s| u8::try_from(step).ok().and_then(|k| s.answers.get(&k)));
                let (answered, correct) =
                    given.fold((0, 0), |(a, c), &ok| (a + 1, c + usize::from(ok)));
                Answers { answered, correct }
            })
            .collect();
        RoomView {
            version: self.version,
            mode: self.mode,
            escrow_key: self.escrow_key.fingerprint().to_string(),
            step: self.step_view(None),
            steps: STEPS.iter().map(|s| s.title).collect(),
            students: self
                .students
                .iter()
                .enumerate()
                .map(|(id, s)| Pupil {
                    id,
                    name: &s.name,
                    fingerprint: s.identity.public().fingerprint().to_string(),
                    may_superencrypt: s.may_superencrypt,
                    shares: s.shares.len(),
                    key_copy: s.key_copy.as_ref().map(|(how, _)| *how),
                    answers: &s.answers,
                })
                .collect(),
            tally,
            answers,
            custody: self.custody,
            leaked_to: self.leaked_key().map(|(who, _)| self.name(who)),
            seized: self.seized.as_ref().map(|(who, _)| self.name(*who)),
            wire: self.newest().map(|(id, m)| self.row(id, m)).collect(),
            desk: self
                .newest()
                .take(6)
                .map(|(id, m)| self.letter(Reader::Key(&self.authority), id, m))
                .collect(),
            scanning: Scanning {
                list: self.scanner.list_info(),
                poster_listed: self.scanner.poster_listed,
                threshold: THRESHOLD,
                flagged: self
                    .scanner
                    .flagged()
                    .iter()
                    .filter_map(|fp| self.holder(fp).map(|s| s.name.as_str()))
                    .collect(),
            },
            max_students: self.limits.max_students,
            max_messages: self.limits.max_messages,
        }
    }
}
