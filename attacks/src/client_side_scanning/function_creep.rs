//! **Function creep: the list is the backdoor.** Every user of a messenger
//! runs the scanning client. The provider's list holds hashes of pictures
//! it was asked to find. Then it is asked — or decides — to add one more:
//! the hash of a protest poster. The clients download the new list; its
//! bytes change, and nothing a client can compute says what was added. The
//! poster's senders cross the threshold, and the provider reads them.
//!
//! The people, the sends and the wiretap are the [`World`]'s; every
//! envelope is sealed end to end with a [`Voucher`] layer and relayed.
//!
//! [`Voucher`]: crate::scanning::client::Voucher

use doormat::e2e::{self, Header};

use crate::scanning::blinded::{audit, BlindedList};
use crate::scanning::client::ScanningClient;
use crate::scanning::images::{noise_image, protest_poster, scene};
use crate::scanning::neuralhash::NeuralHasher;
use crate::scanning::provider::Provider;
use crate::scanning::raster::png_bytes;
use crate::scanning::voucher::{Account, VOUCHER_EXTENSION, VOUCHER_LEN};
use crate::world::{stream, MessageId, UserId, World};
use crate::{Error, Result};

/// The slogan of the poster the list creeps to.
pub const SLOGAN: &str = "NO SCANNER IN MY POCKET";

/// Who sends what.
#[derive(Clone, Debug)]
pub struct Params {
    /// Hashes on the list before the creep (stand-ins for the pictures it
    /// was made for: generated noise images, never shown).
    pub listed: usize,
    /// Innocent photos every user sends in each phase.
    pub photos_per_user: usize,
    /// Users who share the poster, and how many times each, in each phase.
    pub poster_senders: Vec<(UserId, usize)>,
    /// Matches before an account's vouchers open (Apple: 30).
    pub threshold: u8,
    /// Side of the pictures sent.
    pub size: u32,
}

/// One phase: every user's sends against one version of the list.
#[derive(Clone, Debug, Default)]
pub struct Phase {
    /// Envelopes sent.
    pub envelopes: usize,
    /// Of those, whose voucher the provider opened.
    pub matches: usize,
    /// Accounts over the threshold, by user.
    pub flagged: Vec<UserId>,
    /// Messages the provider read (signature checked).
    pub read: Vec<MessageId>,
    /// Of those, carrying the poster.
    pub read_posters: usize,
    /// Of those, carrying anything else.
    pub read_other: usize,
    /// Users with matches below the threshold, and the count the provider
    /// holds for each.
    pub counted_below_threshold: Vec<(UserId, usize)>,
}

/// What the creep did.
#[derive(Clone, Debug)]
pub struct Report {
    /// Users in the world.
    pub users: usize,
    /// Version 1, before the poster.
    pub before: Phase,
    /// Version 2, with the poster.
    pub after: Phase,
    /// The list bytes a client downloads: version 1's and version 2's lengths.
    pub list_len: (usize, usize),
    /// Whether the bytes changed.
    pub list_changed: bool,
    /// Table slots whose point changed between the versions (every slot,
    /// so the difference does not point at the new entry).
    pub slots_changed: usize,
    /// Slots in the table.
    pub slots: usize,
    /// The slot the poster went into changed like every other: nothing
    /// singles it out.
    pub poster_slot_singled_out: bool,
    /// Candidates a curious client tested against version 2 (the poster,
    /// other protest posters, its own photos).
    pub audited: usize,
    /// Of those, found on the list by the client's best public test.
    pub audit_found: usize,
    /// Envelopes carrying exactly one voucher of [`VOUCHER_LEN`] bytes.
    pub one_voucher_each: usize,
    /// Envelopes every recipient opened end to end, plaintext and sender.
    pub recipients_read: usize,
    /// Envelopes the state's escrow authority opened (none: no escrow).
    pub authority_read: usize,
}

/// One message about to be sent: sender, recipient, the picture, whether
/// it is the poster.
struct Draft {
    from: UserId,
    to: UserId,
    png: Vec<u8>,
    poster: bool,
}

/// Runs the creep in `world` (which needs at least two users, and may
/// already hold traffic): version 1 of the list, a phase of sends, the
/// poster added, version 2, the same sends again.
///
/// # Errors
///
/// [`Error::InvalidArgument`] for fewer than two users, an unknown poster
/// sender, or a zero threshold; sealing errors.
pub fn run(world: &mut World, params: &Params) -> Result<Report> {
    let n = world.users().len();
    if n < 2 || params.threshold == 0 || params.poster_senders.iter().any(|&(u, _)| u >= n) {
        return Err(Error::InvalidArgument(
            "needs two users, known senders and a threshold",
        ));
    }
    let hasher = NeuralHasher::default();
    let seed = world.seed();
    let mut provider = Provider::new(seed);
    for i in 0..params.listed as u64 {
        provider.list(
            hasher
                .hash(&noise_image(seed ^ (i << 20), params.size, params.size))
                .0,
        );
    }
    let v1 = provider.publish();
    let poster = protest_poster(seed, params.size, params.size, SLOGAN);
    let poster_png = png_bytes(&poster);
    provider.list(hasher.hash(&poster).0);
    let v2 = provider.publish();

    let mut clients = (0..n)
        .map(|u| {
            let account_seed = blake3::derive_key(
                "doormat css account",
                &[seed.to_le_bytes(), (u as u64).to_le_bytes()].concat(),
            );
            Ok(ScanningClient::new(
                &v1,
                &hasher,
                Account::new(params.threshold, account_seed)?,
            ))
        })
        .collect::<Result<Vec<_>>>()?;
    let mut report = Report {
        users: n,
        before: Phase::default(),
        after: Phase::default(),
        list_len: (v1.to_bytes().len(), v2.to_bytes().len()),
        list_changed: v1.to_bytes() != v2.to_bytes(),
        slots_changed: v1
            .slots()
            .iter()
            .zip(v2.slots())
            .filter(|(a, b)| a != b)
            .count(),
        slots: v2.slots().len(),
        poster_slot_singled_out: false,
        audited: 0,
        audit_found: 0,
        one_voucher_each: 0,
        recipients_read: 0,
        authority_read: 0,
    };
    report.poster_slot_singled_out = singled_out(&v1, &v2, v2.slot(hasher.hash(&poster).0));

    for (phase, list) in [(0u64, &v1), (1, &v2)] {
        for c in &mut clients {
            c.update(list);
        }
        let drafts = drafts(world, params, &poster_png, phase);
        let mut ids = Vec::new();
        for d in &drafts {
            let to = world.user(d.to).public();
            let voucher = clients[d.from].for_message(&d.png)?;
            let id = world.ledger().len();
            let mut rng = stream(seed, "doormat css message", &(id as u64).to_le_bytes());
            let envelope = e2e::Sealer::new(world.user(d.from).identity(), &[to])
                .layer(voucher)
                .rng(&mut rng)
                .seal(&d.png)?;
            score_wire(world, &mut report, d, &envelope);
            let id = world.relay(d.from, &[d.to], &d.png, envelope);
            let account = world.user(d.from).public().fingerprint();
            let matched = provider.receive(&account, id, &world.wiretap()[id].envelope);
            ids.push((id, d.poster));
            let p = if phase == 0 {
                &mut report.before
            } else {
                &mut report.after
            };
            p.envelopes += 1;
            p.matches += usize::from(matched);
        }
        let p = if phase == 0 {
            &mut report.before
        } else {
            &mut report.after
        };
        let revealed = provider.reveal();
        for r in revealed
            .iter()
            .filter(|r| ids.iter().any(|(id, _)| *id == r.id))
        {
            let sent = &world.ledger()[r.id];
            if r.opened.plaintext() != sent.plaintext
                || r.opened.sender() != &world.user(sent.from).public()
            {
                continue;
            }
            p.read.push(r.id);
            let poster = ids.iter().any(|(id, poster)| *id == r.id && *poster);
            p.read_posters += usize::from(poster);
            p.read_other += usize::from(!poster);
            let from = world.ledger()[r.id].from;
            if !p.flagged.contains(&from) {
                p.flagged.push(from);
            }
        }
        for u in 0..n {
            let count = provider.matches(&world.user(u).public().fingerprint());
            if count > 0 && !p.flagged.contains(&u) {
                p.counted_below_threshold.push((u, count));
            }
        }
    }
    let mut candidates = vec![hasher.hash(&poster).0];
    for s in 0..8 {
        candidates.push(
            hasher
                .hash(&protest_poster(
                    seed + 1 + s,
                    params.size,
                    params.size,
                    SLOGAN,
                ))
                .0,
        );
        candidates.push(
            hasher
                .hash(&scene(seed + 100 + s, params.size, params.size))
                .0,
        );
    }
    report.audited = candidates.len();
    report.audit_found = audit(&v2, &candidates).into_iter().filter(|&f| f).count();
    Ok(report)
}

/// Whether `slot` is the only slot that changed between two versions (what
/// would point a client at the new entry).
fn singled_out(v1: &BlindedList, v2: &BlindedList, slot: usize) -> bool {
    let changed: Vec<usize> = (0..v1.slots().len())
        .filter(|&i| v1.slots()[i] != v2.slots()[i])
        .collect();
    changed == [slot]
}

/// The phase's sends, in a fixed order: every user's innocent photos, each
/// to a neighbour, and the poster senders' posters.
fn drafts(world: &World, params: &Params, poster_png: &[u8], phase: u64) -> Vec<Draft> {
    let n = world.users().len();
    let mut out = Vec::new();
    for from in 0..n {
        for k in 0..params.photos_per_user {
            let seed = world.seed() ^ (phase << 40) ^ ((from as u64) << 20) ^ k as u64;
            out.push(Draft {
                from,
                to: (from + 1 + k % (n - 1)) % n,
                png: png_bytes(&scene(seed, params.size, params.size)),
                poster: false,
            });
        }
    }
    for &(from, times) in &params.poster_senders {
        for k in 0..times {
            out.push(Draft {
                from,
                to: (from + 1 + k % (n - 1)) % n,
                png: poster_png.to_vec(),
                poster: true,
            });
        }
    }
    out
}

/// What the wire shows, scored: one voucher of the fixed length, readable by
/// the recipient, closed to the escrow authority.
fn score_wire(world: &World, report: &mut Report, d: &Draft, envelope: &[u8]) {
    let vouchers = Header::parse(envelope).map_or(0, |h| {
        h.extensions()
            .filter(|(t, body)| *t == VOUCHER_EXTENSION && body.len() == VOUCHER_LEN)
            .count()
            + h.extensions()
                .filter(|(t, _)| *t != VOUCHER_EXTENSION)
                .count()
                * 2
    });
    report.one_voucher_each += usize::from(vouchers == 1);
    report.recipients_read += usize::from(
        e2e::open(world.user(d.to).identity(), envelope).is_ok_and(|o| {
            o.plaintext() == d.png.as_slice() && o.sender() == &world.user(d.from).public()
        }),
    );
    report.authority_read += usize::from(world.authority().open(envelope).is_ok());
}
