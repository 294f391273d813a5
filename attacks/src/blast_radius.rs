//! **Blast radius.** In a population, how much of all traffic does one
//! compromise expose? End to end, a stolen user key opens the messages
//! addressed to that user: even the 1,000 best-connected users' keys expose
//! a share of the traffic. The escrow key is one key that opens all of it.
//!
//! The exposure is computed over the message graph (users' popularity
//! follows a Zipf law, as contacts in real networks roughly do), for `k`
//! compromised user keys taken at random and taken best-connected first.
//! Then a random sample of the messages is sealed for real — end to end and
//! escrowed — and opened with the keys the model says are compromised, cell
//! by cell, to confirm that the model is what the cryptography does.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use super::world::{below, stream, World};
use crate::{Error, Result};
use doormat::e2e;
use doormat::escrow;
use doormat::keys::Identity;
use doormat::random::Rng;

/// The population and the questions asked of it.
#[derive(Clone, Debug)]
pub struct Params {
    /// Users (at most 65,535).
    pub users: usize,
    /// Messages.
    pub messages: usize,
    /// The most recipients of one message.
    pub max_recipients: usize,
    /// How skewed popularity is: the user ranked `i` is drawn with weight
    /// `1 / (i + 1)^s`. 0 is uniform; around 1 a few hubs receive a large
    /// share of all mail.
    pub zipf_exponent: f64,
    /// The numbers of compromised user keys to report, increasing.
    pub ks: Vec<usize>,
    /// Messages sealed and opened for real to confirm the model.
    pub sample: usize,
    /// For a message the model says stays closed: how many of the
    /// compromised keys (non-recipients) try to open it.
    pub probes: usize,
}

impl Default for Params {
    /// 10,000 users, 1,000,000 messages of 1 to 3 recipients, popularity
    /// Zipf with exponent 0.8, `k` from 1 to 1,000, 100 messages sealed for
    /// real.
    fn default() -> Params {
        Params {
            users: 10_000,
            messages: 1_000_000,
            max_recipients: 3,
            zipf_exponent: 0.8,
            ks: vec![
                1, 2, 3, 5, 7, 10, 15, 20, 30, 50, 70, 100, 150, 200, 300, 500, 700, 1000,
            ],
            sample: 100,
            probes: 3,
        }
    }
}

/// Exposure with `k` compromised user keys.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Point {
    /// Compromised user keys.
    pub k: usize,
    /// Share of all messages exposed, keys taken at random.
    pub random: f64,
    /// Share exposed, the best-connected users' keys first.
    pub best_connected: f64,
}

/// The exposure curves and how the sample confirmed them.
#[derive(Clone, Debug)]
pub struct Report {
    /// Users in the population.
    pub users: usize,
    /// Messages in the population.
    pub messages: usize,
    /// One point per `k` of the parameters.
    pub points: Vec<Point>,
    /// Share of the sampled escrowed envelopes the single escrow key opened
    /// — all of them, as it opens every escrowed envelope of the population.
    pub escrow: f64,
    /// Messages sealed and opened for real.
    pub sampled: usize,
    /// Sample cells (message × `k` × order, and the escrow cell) where a real
    /// open agreed with the model.
    pub confirmed: usize,
    /// Cells where it did not (zero, or the model is wrong).
    pub disagreements: usize,
    /// Time to generate the population and compute the curves.
    pub model_elapsed: Duration,
    /// Time to seal and open the sample.
    pub sample_elapsed: Duration,
}

/// One message of the population: sender and up to three recipients.
#[derive(Clone, Copy)]
struct Message {
    from: u16,
    to: [u16; 3],
    len: u8,
}

impl Message {
    fn recipients(&self) -> &[u16] {
        &self.to[..usize::from(self.len)]
    }
}

/// Draws users by a Zipf law (weight of the user ranked `i` is `1/(i+1)^s`).
struct Zipf(Vec<f64>);

impl Zipf {
    fn new(n: usize, s: f64) -> Zipf {
        let mut total = 0.0;
        let cdf = (0..n)
            .map(|i| {
                total += ((i + 1) as f64).powf(-s);
                total
            })
            .collect::<Vec<_>>();
        Zipf(cdf.into_iter().map(|c| c / total).collect())
    }

    fn draw(&self, rng: &mut impl Rng) -> u16 {
        let u = (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
        self.0.partition_point(|&c| c <= u).min(self.0.len() - 1) as u16
    }
}

/// The sampled users' identities, made on first use from the world's seed.
struct Keyring {
    seed: u64,
    ids: HashMap<usize, Identity>,
}

impl Keyring {
    fn get(&mut self, user: usize) -> Result<&Identity> {
        if !self.ids.contains_key(&user) {
            let mut rng = stream(
                self.seed,
                "doormat blast radius user",
                &(user as u64).to_be_bytes(),
            );
            self.ids.insert(user, Identity::generate_with(&mut rng)?);
        }
        Ok(&self.ids[&user])
    }
}

/// Builds the population, computes exposure for every `k`, and confirms a
/// sample for real with the world's escrow authority.
///
/// # Errors
///
/// [`Error::InvalidArgument`] for fewer than two or more than 65,535 users,
/// no messages, `max_recipients` not in 1..=3, `ks` not increasing within
/// 1..=users, or an exponent outside 0..=3; sealing errors.
pub fn run(world: &mut World, params: &Params) -> Result<Report> {
    let n = params.users;
    if !(2..=usize::from(u16::MAX)).contains(&n)
        || params.messages == 0
        || !(1..=3).contains(&params.max_recipients)
        || params.ks.windows(2).any(|w| w[0] >= w[1])
        || params.ks.iter().any(|&k| k == 0 || k > n)
        || !(0.0..=3.0).contains(&params.zipf_exponent)
    {
        return Err(Error::InvalidArgument("blast radius parameters"));
    }
    let started = Instant::now();
    let mut rng = stream(world.seed(), "doormat blast radius graph", b"");
    let zipf = Zipf::new(n, params.zipf_exponent);
    let mut received = vec![0u32; n];
    let messages: Vec<Message> = (0..params.messages)
        .map(|_| {
            let from = zipf.draw(&mut rng);
            let want = 1 + below(&mut rng, params.max_recipients.min(n - 1));
            let mut m = Message {
                from,
                to: [0; 3],
                len: 0,
            };
            while usize::from(m.len) < want {
                let r = zipf.draw(&mut rng);
                if r != from && !m.recipients().contains(&r) {
                    m.to[usize::from(m.len)] = r;
                    m.len += 1;
                    received[usize::from(r)] += 1;
                }
            }
            m
        })
        .collect();

    // Two orders in which keys fall: at random, and best-connected first.
    let mut random_order: Vec<usize> = (0..n).collect();
    for i in (1..n).rev() {
        random_order.swap(i, below(&mut rng, i + 1));
    }
    let mut connected_order: Vec<usize> = (0..n).collect();
    connected_order.sort_by_key(|&u| (std::cmp::Reverse(received[u]), u));
    let ranks = |order: &[usize]| {
        let mut rank = vec![0usize; n];
        for (pos, &u) in order.iter().enumerate() {
            rank[u] = pos;
        }
        rank
    };
    let (rank_random, rank_connected) = (ranks(&random_order), ranks(&connected_order));
    // A message is exposed by the first k keys iff its best-ranked recipient
    // is among them.
    let first_exposed = |rank: &[usize], m: &Message| {
        m.recipients()
            .iter()
            .map(|&r| rank[usize::from(r)])
            .min()
            .expect("every message has a recipient")
    };
    let curve = |rank: &[usize]| {
        let mut hist = vec![0usize; n];
        for m in &messages {
            hist[first_exposed(rank, m)] += 1;
        }
        let mut cumulative = Vec::with_capacity(n + 1);
        cumulative.push(0usize);
        for h in hist {
            cumulative.push(cumulative.last().copied().unwrap_or(0) + h);
        }
        cumulative
    };
    let (cum_random, cum_connected) = (curve(&rank_random), curve(&rank_connected));
    let total = params.messages as f64;
    let points = params
        .ks
        .iter()
        .map(|&k| Point {
            k,
            random: cum_random[k] as f64 / total,
            best_connected: cum_connected[k] as f64 / total,
        })
        .collect();
    let model_elapsed = started.elapsed();

    // The sample, sealed and opened for real.
    let started = Instant::now();
    let mut keys = Keyring {
        seed: world.seed(),
        ids: HashMap::new(),
    };
    let authority = world.authority();
    let escrow_key = world.escrow_key();
    let mut confirmed = 0;
    let mut disagreements = 0;
    let mut escrow_opened = 0;
    let sample = params.sample.min(params.messages);
    for _ in 0..sample {
        let m = messages[below(&mut rng, params.messages)];
        let text = format!("sampled message from user {}", m.from);
        let to = m
            .recipients()
            .iter()
            .map(|&r| Ok(keys.get(usize::from(r))?.public()))
            .collect::<Result<Vec<_>>>()?;
        let sender = keys.get(usize::from(m.from))?;
        let sender_pub = sender.public();
        let clean = e2e::seal(sender, &to, text.as_bytes())?;
        let escrowed = escrow::seal(sender, &to, &escrow_key, text.as_bytes())?;
        let reads = |opened: Option<e2e::Opened>| {
            opened.is_some_and(|o| o.plaintext() == text.as_bytes() && o.sender() == &sender_pub)
        };
        if reads(authority.open(&escrowed).ok()) {
            escrow_opened += 1;
            confirmed += 1;
        } else {
            disagreements += 1;
        }
        for (order, rank) in [
            (&random_order, &rank_random),
            (&connected_order, &rank_connected),
        ] {
            for &k in &params.ks {
                let first = first_exposed(rank, &m);
                let agrees = if first < k {
                    // Exposed: the compromised recipient's key opens it.
                    reads(e2e::open(keys.get(order[first])?, &clean).ok())
                } else {
                    // Closed: compromised keys that are not recipients fail.
                    let mut all_fail = true;
                    for _ in 0..params.probes.min(k) {
                        let holder = order[below(&mut rng, k)];
                        all_fail &= e2e::open(keys.get(holder)?, &clean).is_err();
                    }
                    all_fail
                };
                if agrees {
                    confirmed += 1;
                } else {
                    disagreements += 1;
                }
            }
        }
    }
    Ok(Report {
        users: n,
        messages: params.messages,
        points,
        escrow: escrow_opened as f64 / sample.max(1) as f64,
        sampled: sample,
        confirmed,
        disagreements,
        model_elapsed,
        sample_elapsed: started.elapsed(),
    })
}
