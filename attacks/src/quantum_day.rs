//! **Quantum day.** Users with post-quantum (X-Wing) keys talk for years; an
//! adversary records everything. One day it can solve X25519 discrete
//! logarithms — and nothing else: ML-KEM holds. The same traffic is recorded
//! under three regimes:
//!
//! * clean post-quantum end to end: every stanza is X-Wing, and stays closed;
//! * escrowed with a classical (X25519) access field: the escrow key is
//!   published in every client, so its secret is one discrete logarithm
//!   away, and every envelope ever recorded opens — post-quantum stanzas and
//!   all;
//! * escrowed with a post-quantum (X-Wing) access field: nothing opens on
//!   quantum day, until the one authority key leaks, and then everything
//!   does.
//!
//! The quantum computer is simulated honestly: the world logs every 32 bytes
//! of randomness it hands out ([`Keys::log_randomness`]), and the
//! [`QuantumOracle`] answers the discrete logarithm of any X25519 public key
//! made from them — a classical key, an ephemeral key, or the X25519 half of
//! an X-Wing key — and has no method for ML-KEM.

use std::collections::HashMap;

use shake::{ExtendableOutput, Shake256, Update, XofReader};
use x25519_dalek::{PublicKey, StaticSecret};

use super::harvest_now_decrypt_later::YEAR;
use super::world::{Keys, Mode, Traffic, World};
use crate::{Error, Result};
use doormat::e2e::Header;
use doormat::escrow::EscrowAuthority;
use doormat::hazmat::e2e::stanza_enc;
use doormat::hazmat::hpke::xwing_x25519_component;
use doormat::keys::{EncryptionKey, Kem};

/// A simulated quantum computer: it solves X25519 discrete logarithms, and
/// only those. Built from a world's randomness log, so it answers exactly
/// the keys that world made: every 32-byte value taken as an X25519 secret,
/// and as an X-Wing seed (whose expansion, SHAKE256(seed, 96), holds the
/// X25519 secret in its last 32 bytes).
pub struct QuantumOracle {
    table: HashMap<[u8; 32], [u8; 32]>,
}

impl core::fmt::Debug for QuantumOracle {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("QuantumOracle")
            .field("x25519_keys", &self.table.len())
            .finish()
    }
}

impl QuantumOracle {
    /// The oracle for `world`, which must log its randomness.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] if the world logged nothing.
    pub fn new(world: &World) -> Result<QuantumOracle> {
        let log = world.randomness_log();
        if log.is_empty() {
            return Err(Error::InvalidArgument(
                "the world must log its randomness (Keys::log_randomness)",
            ));
        }
        let solve = |bytes: &[u8; 32]| {
            let mut expanded = [0u8; 96];
            let mut shake = Shake256::default();
            shake.update(bytes);
            shake.finalize_xof().read(&mut expanded);
            let mut xwing_half = [0u8; 32];
            xwing_half.copy_from_slice(&expanded[64..]);
            [*bytes, xwing_half].map(|secret| {
                (
                    PublicKey::from(&StaticSecret::from(secret)).to_bytes(),
                    secret,
                )
            })
        };
        let pairs: Vec<_> = log.iter().map(solve).collect();
        let table = pairs.into_iter().flatten().collect();
        Ok(QuantumOracle { table })
    }

    /// The X25519 secret of `public`: Shor's algorithm, simulated.
    pub fn discrete_log(&self, public: &[u8; 32]) -> Option<[u8; 32]> {
        self.table.get(public).copied()
    }
}

/// The regimes the traffic is recorded under.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Regime {
    /// Post-quantum end to end, no access field.
    CleanPostQuantum,
    /// Escrowed, with an X25519 access field.
    ClassicalField,
    /// Escrowed, with an X-Wing access field.
    PostQuantumField,
}

impl Regime {
    /// All three, in the order of the lesson.
    pub const ALL: [Regime; 3] = [
        Regime::CleanPostQuantum,
        Regime::ClassicalField,
        Regime::PostQuantumField,
    ];

    /// How the regime is named in the narration.
    pub fn name(self) -> &'static str {
        match self {
            Regime::CleanPostQuantum => "post-quantum end to end",
            Regime::ClassicalField => "escrowed, classical access field",
            Regime::PostQuantumField => "escrowed, post-quantum access field",
        }
    }

    fn keys(self) -> (Mode, Keys) {
        let (mode, authority) = match self {
            Regime::CleanPostQuantum => (Mode::EndToEnd, Kem::XWing),
            Regime::ClassicalField => (Mode::Escrowed, Kem::X25519),
            Regime::PostQuantumField => (Mode::Escrowed, Kem::XWing),
        };
        let keys = Keys {
            users: Kem::XWing,
            authority,
            log_randomness: true,
        };
        (mode, keys)
    }
}

/// What the adversary achieved against one regime.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    /// The regime.
    pub regime: Regime,
    /// Envelopes recorded.
    pub recorded: usize,
    /// Stanzas in all of them.
    pub stanzas: usize,
    /// Envelopes whose every stanza is X-Wing.
    pub post_quantum_envelopes: usize,
    /// X25519 discrete logarithms the oracle answered: the X25519 half of
    /// every user's X-Wing key, of every stanza's X-Wing ciphertext, and of
    /// the escrow key (all of it, if classical).
    pub logs_solved: usize,
    /// Whether the escrow authority's secret key fell on quantum day.
    pub authority_solved: bool,
    /// Envelopes opened on quantum day (true reads: plaintext and sender).
    pub opened_on_quantum_day: usize,
    /// Envelopes opened once the authority's key also leaks.
    pub opened_after_leak: usize,
}

/// The three regimes side by side.
#[derive(Clone, Debug)]
pub struct Report {
    /// Users, all with post-quantum identities.
    pub users: usize,
    /// Years of recorded traffic.
    pub years: u64,
    /// One outcome per [`Regime`], in [`Regime::ALL`] order.
    pub outcomes: Vec<Outcome>,
}

impl Report {
    /// The outcome of `regime`.
    pub fn outcome(&self, regime: Regime) -> &Outcome {
        self.outcomes
            .iter()
            .find(|o| o.regime == regime)
            .expect("every regime is run")
    }
}

/// The scenario.
#[derive(Clone, Copy, Debug)]
pub struct Params {
    /// Replay seed: the same users and traffic in every regime.
    pub seed: u64,
    /// How many users.
    pub users: usize,
    /// Years of recorded traffic.
    pub years: u64,
    /// Messages per day.
    pub per_day: usize,
}

/// Records the same traffic under each [`Regime`], then plays quantum day
/// and, after it, the leak of the authority's key.
///
/// # Errors
///
/// [`Error::InvalidArgument`] for fewer than two users or no traffic;
/// sealing errors.
pub fn run(params: Params) -> Result<Report> {
    if params.users < 2 || params.years == 0 || params.per_day == 0 {
        return Err(Error::InvalidArgument(
            "quantum day needs two users and some traffic",
        ));
    }
    let outcomes = Regime::ALL
        .iter()
        .map(|&regime| play(regime, params))
        .collect::<Result<_>>()?;
    Ok(Report {
        users: params.users,
        years: params.years,
        outcomes,
    })
}

/// The X25519 public key inside an X-Wing key or ciphertext: its last 32
/// bytes (draft-connolly-cfrg-xwing-kem).
fn x25519_half(bytes: &[u8]) -> Option<[u8; 32]> {
    bytes.get(bytes.len().checked_sub(32)?..)?.try_into().ok()
}

fn play(regime: Regime, params: Params) -> Result<Outcome> {
    let (mode, keys) = regime.keys();
    let mut world = World::with_keys(params.seed, mode, keys);
    for i in 0..params.users {
        world.add_user(&format!("user{i:03}"));
    }
    world.simulate(&Traffic {
        days: params.years * YEAR,
        per_day: params.per_day,
        max_recipients: 3,
    })?;
    let oracle = QuantumOracle::new(&world)?;

    // Quantum day. The adversary holds the recording, the directory and the
    // escrow key every client carries, and asks the oracle about each.
    let mut logs_solved = 0;
    for user in world.users() {
        if let EncryptionKey::XWing(pk) = user.public().encryption_key() {
            let half = xwing_x25519_component(pk);
            logs_solved += usize::from(oracle.discrete_log(&half).is_some());
        }
    }
    let (mut stanzas, mut post_quantum_envelopes) = (0, 0);
    for intercept in world.wiretap() {
        let header = Header::parse(&intercept.envelope)?;
        stanzas += header.stanza_count();
        post_quantum_envelopes += usize::from(
            (0..header.stanza_count()).all(|i| header.stanza_kem(i) == Some(Kem::XWing)),
        );
        for i in 0..header.stanza_count() {
            let half = stanza_enc(&header, i).and_then(x25519_half);
            logs_solved += usize::from(half.is_some_and(|h| oracle.discrete_log(&h).is_some()));
        }
    }
    // The escrow key the clients carry: an X25519 key falls whole; of an
    // X-Wing key only the X25519 half does, and the oracle has nothing for
    // the ML-KEM half. (End to end, clients carry no escrow key.)
    let escrow_key = (mode == Mode::Escrowed).then(|| world.client_escrow_key());
    let solved_authority = match escrow_key.as_ref().map(|k| k.public_key()) {
        None => None,
        Some(EncryptionKey::X25519(pk)) => oracle
            .discrete_log(&pk.to_array())
            .map(|sk| EscrowAuthority::from_bytes(&sk))
            .transpose()?,
        Some(EncryptionKey::XWing(pk)) => {
            let half = xwing_x25519_component(pk);
            logs_solved += usize::from(oracle.discrete_log(&half).is_some());
            None
        }
    };
    let opened_on_quantum_day = solved_authority
        .as_ref()
        .map_or(0, |key| world.read_by(key));

    // Later still, the authority's key leaks as text.
    let leaked: EscrowAuthority = world.authority().to_secret_string().parse()?;
    let opened_after_leak = world.read_by(&leaked);

    Ok(Outcome {
        regime,
        recorded: world.wiretap().len(),
        stanzas,
        post_quantum_envelopes,
        logs_solved,
        authority_solved: solved_authority.is_some(),
        opened_on_quantum_day,
        opened_after_leak,
    })
}
