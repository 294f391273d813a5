//! A two-party conversation for the session tests: Alice starts a session
//! from one of Bob's bundles, each side sends when told, and a network
//! delivers, duplicates, reorders and drops messages as a test script says.
//! Everything sent is recorded, as an eavesdropper would; everything random
//! comes from one seed, so a failing proptest case replays.
#![allow(dead_code)]

use doormat::escrow::{self, EscrowKey};
use doormat::keys::Identity;
use doormat::random::{SeedableRng, SeededRng};
use doormat::session::{self, Client, Prekeys, Received, Session};

/// A side of the conversation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Who {
    Alice,
    Bob,
}

impl Who {
    pub fn other(self) -> Who {
        match self {
            Who::Alice => Who::Bob,
            Who::Bob => Who::Alice,
        }
    }
}

/// One step of a test script. Indices pick among the messages in flight,
/// modulo their number.
#[derive(Clone, Copy, Debug)]
pub enum Op {
    /// The side sends a message (Bob only once he has a session).
    Send(Who),
    /// The network delivers a message in flight.
    Deliver(usize),
    /// The network delivers a copy and keeps the original in flight.
    Duplicate(usize),
    /// The network loses a message.
    Drop(usize),
}

/// A message as the eavesdropper recorded it.
#[derive(Clone, Debug)]
pub struct Sent {
    pub from: Who,
    pub bytes: Vec<u8>,
    pub plaintext: Vec<u8>,
    /// The step of the script at which it was sent.
    pub at: usize,
}

/// What one delivery gave.
#[derive(Debug)]
pub struct Delivery {
    pub id: usize,
    pub at: usize,
    /// Whether the message had been delivered before.
    pub repeat: bool,
    pub result: Result<Received, session::Error>,
}

/// The conversation.
pub struct Conversation {
    pub alice: Identity,
    pub bob: Identity,
    pub prekeys: Prekeys,
    pub a: Session,
    pub b: Option<Session>,
    /// The escrow key the clients comply with, if the twin is under test.
    pub escrow: Option<EscrowKey>,
    pub sent: Vec<Sent>,
    pub in_flight: Vec<usize>,
    pub deliveries: Vec<Delivery>,
    pub delivered: Vec<bool>,
    pub step: usize,
    rng: SeededRng,
}

impl Conversation {
    /// Alice and Bob from `seed`; Bob's bundle with a one-time prekey, and
    /// a post-quantum prekey if `post_quantum`.
    pub fn new(seed: u64, post_quantum: bool, escrow: Option<EscrowKey>) -> Conversation {
        let mut rng = SeededRng::from_seed(seed_bytes(seed));
        let alice = Identity::generate_with(&mut rng).unwrap();
        let bob = Identity::generate_with(&mut rng).unwrap();
        let prekeys = Prekeys::generate_with(&bob, 2, post_quantum, &mut rng).unwrap();
        let bundle = prekeys.bundles().remove(0);
        let a = client(&escrow, &mut rng).initiate(&alice, &bundle).unwrap();
        Conversation {
            alice,
            bob,
            prekeys,
            a,
            b: None,
            escrow,
            sent: Vec::new(),
            in_flight: Vec::new(),
            deliveries: Vec::new(),
            delivered: Vec::new(),
            step: 0,
            rng,
        }
    }

    /// Whose session state is this side's.
    pub fn session(&self, who: Who) -> Option<&Session> {
        match who {
            Who::Alice => Some(&self.a),
            Who::Bob => self.b.as_ref(),
        }
    }

    /// Runs one step; returns the id of a message sent, if any.
    pub fn apply(&mut self, op: Op) -> Option<usize> {
        if !matches!(op, Op::Send(_)) {
            self.step += 1;
        }
        match op {
            Op::Send(who) => self.send(who),
            Op::Deliver(i) | Op::Duplicate(i) | Op::Drop(i) if !self.in_flight.is_empty() => {
                let slot = i % self.in_flight.len();
                let id = self.in_flight[slot];
                if !matches!(op, Op::Duplicate(_)) {
                    self.in_flight.remove(slot);
                }
                if !matches!(op, Op::Drop(_)) {
                    self.deliver(id);
                }
                None
            }
            _ => None,
        }
    }

    /// `who` sends the next message, if it can: a step of its own.
    pub fn send(&mut self, who: Who) -> Option<usize> {
        self.step += 1;
        let id = self.sent.len();
        let plaintext = format!("{who:?} #{id} at step {}", self.step).into_bytes();
        let mut client = client(&self.escrow, &mut self.rng);
        let session = match who {
            Who::Alice => &mut self.a,
            Who::Bob => self.b.as_mut()?,
        };
        let bytes = client.encrypt(session, &plaintext).unwrap();
        self.sent.push(Sent {
            from: who,
            bytes,
            plaintext,
            at: self.step,
        });
        self.in_flight.push(id);
        self.delivered.push(false);
        Some(id)
    }

    /// Delivers message `id` to its recipient, who decrypts it (or, for
    /// Bob's first, answers it).
    pub fn deliver(&mut self, id: usize) {
        let to = self.sent[id].from.other();
        let bytes = self.sent[id].bytes.clone();
        let mut client = client(&self.escrow, &mut self.rng);
        let result =
            match (to, self.b.as_mut()) {
                (Who::Alice, _) => client.decrypt(&mut self.a, &bytes),
                (Who::Bob, Some(b)) => client.decrypt(b, &bytes),
                (Who::Bob, None) => client.respond(&self.bob, &mut self.prekeys, &bytes).map(
                    |(session, received)| {
                        self.b = Some(session);
                        received
                    },
                ),
            };
        self.deliveries.push(Delivery {
            id,
            at: self.step,
            repeat: self.delivered[id],
            result,
        });
        self.delivered[id] = true;
    }

    /// Delivers everything still in flight, in order.
    pub fn flush(&mut self) {
        while !self.in_flight.is_empty() {
            self.apply(Op::Deliver(0));
        }
    }
}

/// A client for the conversation: plain, or the escrowed twin's.
fn client<'a>(escrow: &Option<EscrowKey>, rng: &'a mut SeededRng) -> Client<'a> {
    match escrow {
        Some(key) => escrow::session_client(key).rng(rng),
        None => Client::new().rng(rng),
    }
}

/// A 32-byte seed from a number.
pub fn seed_bytes(seed: u64) -> [u8; 32] {
    let mut out = [0u8; 32];
    out[..8].copy_from_slice(&seed.to_be_bytes());
    out
}
