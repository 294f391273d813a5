//! The provider's side of client-side scanning: it keeps the list of hashes
//! in clear, publishes it blinded, receives every envelope from the
//! uploader's account (the service knows who uploads: the connection is
//! authenticated), opens the outer layer of the vouchers that match, and —
//! once an account holds `threshold` matches — rebuilds the account's
//! voucher key with the crate's Shamir combine and opens those messages.
//!
//! Nothing checks *what* is on the list: a hash of abuse material and a
//! hash of a protest poster are 96 bits each.

use core::fmt;

use curve25519_dalek::scalar::Scalar;
use doormat::e2e::{self, ContentKey, Header, LayerError, Opened, Unlocked};
use doormat::hazmat::shamir;
use doormat::keys::Fingerprint;

use super::blinded::{self, scalar_from, BlindedList};
use super::voucher::{self, Matched, VOUCHER_EXTENSION};
use crate::world::MessageId;

/// What the provider holds about one account.
struct File {
    account: Fingerprint,
    /// Vouchers whose outer layer opened, with their message and envelope.
    matched: Vec<(MessageId, Matched, Vec<u8>)>,
}

/// The provider: the list in clear, one secret per published version, and
/// a file per account with its matches.
pub struct Provider {
    seed: u64,
    hashes: Vec<u128>,
    secrets: Vec<Scalar>,
    files: Vec<File>,
}

impl fmt::Debug for Provider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Provider")
            .field("listed", &self.hashes.len())
            .field("versions", &self.secrets.len())
            .field("accounts_with_matches", &self.files.len())
            .finish_non_exhaustive()
    }
}

/// One message the provider opened: an account over the threshold.
#[derive(Debug)]
pub struct Revealed {
    /// The account that uploaded it.
    pub account: Fingerprint,
    /// The message.
    pub id: MessageId,
    /// What the provider read, sender's signature checked.
    pub opened: Opened,
}

/// The content key and aad hash of an opened voucher, as an unlocking layer.
#[derive(Debug)]
struct FromVoucher([u8; 32], [u8; 32]);

impl e2e::Layer for FromVoucher {
    fn unlock(&self, _: &Header) -> Result<Option<Unlocked>, LayerError> {
        Ok(Some(Unlocked {
            content_key: ContentKey::from_bytes(&self.0),
            aad_hash: Some(self.1),
        }))
    }
}

impl Provider {
    /// A provider with an empty list; its secrets come from `seed`.
    pub fn new(seed: u64) -> Provider {
        Provider {
            seed,
            hashes: Vec::new(),
            secrets: Vec::new(),
            files: Vec::new(),
        }
    }

    /// Adds a hash to the list (from the next published version on). Nobody
    /// outside the provider can see what it is.
    pub fn list(&mut self, hash: u128) {
        if !self.hashes.contains(&hash) {
            self.hashes.push(hash);
        }
    }

    /// Hashes on the list, in clear: the provider's knowledge only.
    pub fn listed(&self) -> &[u128] {
        &self.hashes
    }

    /// Publishes the next version of the list, blinded under a fresh secret.
    pub fn publish(&mut self) -> BlindedList {
        let version = self.secrets.len() as u32 + 1;
        let material = [&self.seed.to_le_bytes()[..], &version.to_le_bytes()].concat();
        let secret = scalar_from("doormat scanning 2021: provider secret", &material);
        let seed = blake3::derive_key("doormat scanning 2021: list seed", &material);
        let list = blinded::blind(&self.hashes, &secret, &seed, version);
        self.secrets.push(secret);
        list
    }

    /// Receives an envelope uploaded by `account` as message `id`: opens its
    /// voucher's outer layer if the picture is listed (under any published
    /// version) and files the match. Returns whether it matched.
    pub fn receive(&mut self, account: &Fingerprint, id: MessageId, envelope: &[u8]) -> bool {
        let Some(voucher) = Header::parse(envelope)
            .ok()
            .and_then(|h| h.extension(VOUCHER_EXTENSION).map(<[u8]>::to_vec))
        else {
            return false;
        };
        let Some(m) = self
            .secrets
            .iter()
            .find_map(|s| voucher::open_outer(s, &voucher))
        else {
            return false;
        };
        let file = match self.files.iter().position(|f| f.account == *account) {
            Some(i) => &mut self.files[i],
            None => {
                self.files.push(File {
                    account: *account,
                    matched: Vec::new(),
                });
                self.files.last_mut().expect("just pushed")
            }
        };
        file.matched.push((id, m, envelope.to_vec()));
        true
    }

    /// Matches filed for `account` (the provider learns this count even
    /// below the threshold: no synthetic vouchers here).
    pub fn matches(&self, account: &Fingerprint) -> usize {
        self.files
            .iter()
            .find(|f| f.account == *account)
            .map_or(0, |f| f.matched.len())
    }

    /// Rebuilds the voucher key of every account whose shares reach their
    /// threshold, and opens every matched message of those accounts.
    /// Accounts below the threshold stay closed: their shares rebuild
    /// nothing.
    pub fn reveal(&self) -> Vec<Revealed> {
        let mut out = Vec::new();
        for file in &self.files {
            let shares: Vec<shamir::Share> = file
                .matched
                .iter()
                .map(|(_, m, _)| m.share.clone())
                .collect();
            let Ok(key) = shamir::combine(&shares) else {
                continue;
            };
            for (id, m, envelope) in &file.matched {
                let Some((ck, aad)) = voucher::open_inner(&key, m) else {
                    continue;
                };
                if let Ok(opened) = e2e::Opener::unlocked_by(FromVoucher(ck, aad)).open(envelope) {
                    out.push(Revealed {
                        account: file.account,
                        id: *id,
                        opened,
                    });
                }
            }
        }
        out
    }

    /// Accounts whose matches reached their threshold.
    pub fn flagged(&self) -> Vec<Fingerprint> {
        let mut flagged: Vec<Fingerprint> = self.reveal().into_iter().map(|r| r.account).collect();
        flagged.dedup();
        flagged
    }
}
