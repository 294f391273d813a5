//! **Superencryption.** Even an unforgeable access field catches only those
//! who comply. Criminals in an escrowed world seal their message end to end
//! first, then send the sealed bytes as the plaintext of an ordinary,
//! compliant, escrowed envelope. Every compliant client accepts it; the
//! authority opens the outer layer and finds only ciphertext. The
//! law-abiding users of the same world stay fully readable.
//!
//! A second evasion needs a modified client: one that attaches an access
//! field copied from another envelope. Compliant clients refuse it; a
//! non-compliant reader does not, and the authority reads nothing.
//!
//! The third is the associated-data dodge that an outside review found in
//! an earlier version of doormat, when the field wrapped only the content
//! key: two people who share a secret pass it as associated data, which
//! the payload keys depend on and which is never sent. Now the field wraps
//! `content_key || SHA-256(aad)`, so through a compliant client the
//! authority reads such a message like any other. A modified client can
//! still dodge, with nothing but the public API and the injectable
//! randomness: it seals the same message twice from one seed — same content
//! key, same stanzas — once without associated data, to get a field that
//! claims none, and once with the secret, carrying that field. Compliant
//! clients recompute the field and refuse it; the partner's modified client
//! reads it; the authority unwraps the content key and still cannot open
//! it, for want of the secret.

use super::world::{Mode, UserId, World};
use crate::{Error, Result};
use doormat::e2e::{self, Header};
use doormat::escrow::{self, LEAF_EXTENSION};
use doormat::random::{Rng, SeedableRng, SeededRng};

/// The secret two criminals agreed on, passed as associated data.
const SHARED_SECRET: &[u8] = b"the words we agreed on in person";

/// Who is who.
#[derive(Clone, Debug)]
pub struct Params {
    /// Pairs (sender, recipient) of criminals who superencrypt.
    pub criminals: Vec<(UserId, UserId)>,
    /// Messages each criminal pair sends.
    pub per_pair: usize,
}

/// What the authority got.
#[derive(Clone, Copy, Debug, Default)]
pub struct Report {
    /// Envelopes from the law-abiding in the wiretap.
    pub law_abiding: usize,
    /// Of those, read by the authority.
    pub law_abiding_read: usize,
    /// Superencrypted envelopes sent by criminals.
    pub superencrypted: usize,
    /// Of those, accepted by the recipients' compliant clients.
    pub compliant_accepted: usize,
    /// Of those, whose outer layer the authority opened.
    pub outer_opened: usize,
    /// Of those, whose inner message the authority read.
    pub inner_read_by_authority: usize,
    /// Of those, whose inner message the criminal recipient read.
    pub inner_read_by_recipient: usize,
    /// A modified client's copied access field: refused by a compliant
    /// client's check (`InvalidAccessField`, not any other failure).
    pub modified_refused_by_compliant: bool,
    /// … read by a non-compliant reader.
    pub modified_read_by_noncompliant: bool,
    /// … opened by the authority.
    pub modified_opened_by_authority: bool,
    /// A secret shared as associated data, through a compliant client: read
    /// by the authority all the same.
    pub secret_aad_read_by_authority: bool,
    /// A modified client's field that claims no associated data, on an
    /// envelope sealed with the secret: refused by a compliant client's
    /// check (`InvalidAccessField`).
    pub aad_dodge_refused_by_compliant: bool,
    /// … read by the partner, who knows the secret.
    pub aad_dodge_read_by_partner: bool,
    /// … opened by the authority.
    pub aad_dodge_opened_by_authority: bool,
    /// … opened by the authority once it is handed the secret: the field
    /// was sound, the secret alone kept the authority out.
    pub aad_dodge_opened_with_the_secret: bool,
}

/// Runs the scenario in an escrowed world whose law-abiding traffic has
/// already been simulated.
///
/// # Errors
///
/// [`Error::InvalidArgument`] for a clean world, no criminals, or unknown
/// users; sealing errors.
pub fn run(world: &mut World, params: &Params) -> Result<Report> {
    if world.mode() != Mode::Escrowed || params.criminals.is_empty() {
        return Err(Error::InvalidArgument(
            "needs an escrowed world and criminals",
        ));
    }
    let n = world.users().len();
    if params
        .criminals
        .iter()
        .any(|&(a, b)| a >= n || b >= n || a == b)
    {
        return Err(Error::InvalidArgument("no such criminals"));
    }
    let key = world.escrow_key();
    let mut report = Report::default();
    for intercept in world.wiretap() {
        report.law_abiding += 1;
        let read = world.authority().open(&intercept.envelope);
        report.law_abiding_read += usize::from(world.is_true_read(intercept.id, &read));
    }
    for &(from, to) in &params.criminals {
        for i in 0..params.per_pair {
            let secret = format!("the shipment arrives on pier {}", 7 + i);
            let inner = e2e::seal(
                world.user(from).identity(),
                &[world.user(to).public()],
                secret.as_bytes(),
            )?;
            // Sent through the compliant, escrowed client like any message.
            let id = world.send(from, &[to], &inner)?;
            let envelope = world.wiretap()[id].envelope.clone();
            report.superencrypted += 1;
            let outer = escrow::open(world.user(to).identity(), &key, &envelope);
            report.compliant_accepted += usize::from(outer.is_ok());
            if let Ok(outer) = outer {
                let inner_read = e2e::open(world.user(to).identity(), outer.plaintext());
                report.inner_read_by_recipient +=
                    usize::from(inner_read.is_ok_and(|o| o.plaintext() == secret.as_bytes()));
            }
            // The authority: the outer layer opens, to ciphertext, and its
            // key has nothing to say about the inner envelope.
            if let Ok(seized) = world.authority().open(&envelope) {
                report.outer_opened += 1;
                let inner = seized.plaintext();
                let read = inner == secret.as_bytes()
                    || world
                        .authority()
                        .open(inner)
                        .is_ok_and(|o| o.plaintext() == secret.as_bytes());
                report.inner_read_by_authority += usize::from(read);
            }
        }
    }

    // A modified client: an access field copied from another envelope.
    let (from, to) = params.criminals[0];
    let donor = world
        .wiretap()
        .first()
        .map(|i| i.envelope.clone())
        .ok_or(Error::InvalidArgument("no traffic to copy a field from"))?;
    let field = Header::parse(&donor)?
        .extension(LEAF_EXTENSION)
        .ok_or(escrow::Error::NotEscrowed)?
        .to_vec();
    let recipient = [world.user(to).public()];
    let modified = e2e::Sealer::new(world.user(from).identity(), &recipient)
        .extension(LEAF_EXTENSION, field)
        .seal(b"meet at the usual place")?;
    report.modified_refused_by_compliant = matches!(
        escrow::open(world.user(to).identity(), &key, &modified),
        Err(escrow::Error::InvalidAccessField)
    );
    report.modified_read_by_noncompliant = e2e::open(world.user(to).identity(), &modified)
        .is_ok_and(|o| o.plaintext() == b"meet at the usual place");
    report.modified_opened_by_authority = world.authority().open(&modified).is_ok();

    // Associated data through a compliant client: the field binds its hash.
    let message = b"the usual place, the usual time";
    let sender = world.user(from).identity();
    let compliant = escrow::sealer(sender, &recipient, &key)
        .associated_data(SHARED_SECRET)
        .seal(message)?;
    report.secret_aad_read_by_authority = world
        .authority()
        .open(&compliant)
        .is_ok_and(|o| o.plaintext() == message);

    // The dodge: one seed, two seals. The first, without associated data,
    // yields a field that claims none; the second, with the secret and the
    // same content key and stanzas, carries that field instead of its own.
    let mut seed = [0u8; 32];
    world.rng().fill_bytes(&mut seed);
    let sender = world.user(from).identity();
    let mut first = SeededRng::from_seed(seed);
    let template = escrow::sealer(sender, &recipient, &key)
        .rng(&mut first)
        .seal(message)?;
    let claims_no_aad = Header::parse(&template)?
        .extension(LEAF_EXTENSION)
        .ok_or(escrow::Error::NotEscrowed)?
        .to_vec();
    let mut second = SeededRng::from_seed(seed);
    let dodge = e2e::Sealer::new(sender, &recipient)
        .associated_data(SHARED_SECRET)
        .extension(LEAF_EXTENSION, claims_no_aad)
        .rng(&mut second)
        .seal(message)?;
    let partner = world.user(to).identity();
    report.aad_dodge_refused_by_compliant = matches!(
        escrow::opener(partner, &key)
            .associated_data(SHARED_SECRET)
            .open(&dodge)
            .map_err(escrow::Error::from),
        Err(escrow::Error::InvalidAccessField)
    );
    report.aad_dodge_read_by_partner = e2e::Opener::new(partner)
        .associated_data(SHARED_SECRET)
        .open(&dodge)
        .is_ok_and(|o| o.plaintext() == message);
    report.aad_dodge_opened_by_authority = world.authority().open(&dodge).is_ok();
    report.aad_dodge_opened_with_the_secret = world
        .authority()
        .opener()
        .associated_data(SHARED_SECRET)
        .open(&dodge)
        .is_ok_and(|o| o.plaintext() == message);
    Ok(report)
}
