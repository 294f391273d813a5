//! Client-side scanning in the room, with the lessons crate's scanner
//! (`doormat_attacks::scanning`, after Apple's 2021 design): under the
//! scanning rule a phone hashes every picture before sealing it end to end
//! and attaches a safety voucher; the service (the provider) holds the
//! list, and once an account's matching vouchers reach the threshold it
//! rebuilds the account's key and reads those messages. The teacher adds
//! a protest poster to the list — function creep — and the phones see only
//! that the list's bytes changed.
//!
//! The pictures are generated, not uploaded: students choose one of a
//! fixed set, so nothing a student sends is decoded as an image.

use doormat::e2e::Sealer;
use doormat::keys::{Fingerprint, Identity, PublicIdentity};
use doormat_attacks::client_side_scanning::function_creep::SLOGAN;
use doormat_attacks::scanning::blinded::BlindedList;
use doormat_attacks::scanning::client::ScanningClient;
use doormat_attacks::scanning::images::{noise_image, poster, protest_poster, scene};
use doormat_attacks::scanning::neuralhash::NeuralHasher;
use doormat_attacks::scanning::provider::Provider;
use doormat_attacks::scanning::raster::png_bytes;
use doormat_attacks::scanning::voucher::Account;
use doormat_attacks::scanning::RgbImage;
use serde::Serialize;

use crate::Refusal;

/// Matching vouchers before the provider reads an account (Apple: 30;
/// three here, so a class crosses it in minutes).
pub(crate) const THRESHOLD: u8 = 3;

/// Side of the pictures, in pixels (the hash looks at 64 × 64).
const SIZE: u32 = 96;

/// Hashes on the list before the creep: stand-ins for the pictures it was
/// made for (noise images, never shown).
const LISTED: u64 = 8;

/// Seeds of the pictures: fixed, so every room has the same ones.
const PICTURE_SEED: u64 = 2021;

/// The picture the list creeps to.
pub(crate) const PROTEST_POSTER: usize = 2;

/// A picture a phone can send.
pub(crate) struct Picture {
    pub(crate) label: &'static str,
    image: RgbImage,
    pub(crate) png: Vec<u8>,
}

/// The pictures, in the order of the page's menu.
pub(crate) fn pictures() -> Vec<Picture> {
    let make = |label, image: RgbImage| Picture {
        label,
        png: png_bytes(&image),
        image,
    };
    vec![
        make("a holiday photo", scene(PICTURE_SEED, SIZE, SIZE)),
        make("a concert poster", poster(PICTURE_SEED, SIZE, SIZE)),
        make(
            "the protest poster",
            protest_poster(PICTURE_SEED, SIZE, SIZE, SLOGAN),
        ),
    ]
}

/// What a phone can see of the list it holds: a version and bytes.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct ListInfo {
    version: u32,
    bytes: usize,
    digest: String,
}

/// The provider and the list the phones hold.
pub(crate) struct Scanner {
    hasher: NeuralHasher,
    provider: Provider,
    list: BlindedList,
    pub(crate) poster_listed: bool,
}

impl Scanner {
    /// A provider whose secrets come from `seed`, with version 1 of its
    /// list published.
    pub(crate) fn new(seed: u64) -> Scanner {
        let hasher = NeuralHasher::default();
        let mut provider = Provider::new(seed);
        for i in 0..LISTED {
            provider.list(hasher.hash(&noise_image(seed ^ (i << 20), SIZE, SIZE)).0);
        }
        let list = provider.publish();
        Scanner {
            hasher,
            provider,
            list,
            poster_listed: false,
        }
    }

    /// Function creep: the provider lists the protest poster and publishes
    /// the next version, which every phone installs.
    pub(crate) fn list_poster(&mut self, pictures: &[Picture]) {
        if !self.poster_listed {
            let hash = self.hasher.hash(&pictures[PROTEST_POSTER].image).0;
            self.provider.list(hash);
            self.list = self.provider.publish();
            self.poster_listed = true;
        }
    }

    /// The list as a phone sees it.
    pub(crate) fn list_info(&self) -> ListInfo {
        let bytes = self.list.to_bytes();
        ListInfo {
            version: self.list.version(),
            bytes: bytes.len(),
            digest: hex::encode(&blake3::hash(&bytes).as_bytes()[..8]),
        }
    }

    /// Seals `plaintext` end to end with the sender's safety voucher: the
    /// account's next share (`used` are spent) under its seed.
    pub(crate) fn seal(
        &self,
        sender: &Identity,
        recipients: &[PublicIdentity],
        plaintext: &[u8],
        account: &[u8; 32],
        used: usize,
    ) -> Result<Vec<u8>, Refusal> {
        let fail = |e: doormat_attacks::Error| Refusal::NotNow(format!("the scanner refused: {e}"));
        let mut client = ScanningClient::new(
            &self.list,
            &self.hasher,
            Account::new(THRESHOLD, *account).map_err(fail)?,
        );
        // The account is rebuilt from its seed: skip the spent shares.
        for _ in 0..used {
            client.for_message(&[]).map_err(fail)?;
        }
        let voucher = client.for_message(plaintext).map_err(fail)?;
        Sealer::new(sender, recipients)
            .layer(voucher)
            .seal(plaintext)
            .map_err(|e| Refusal::Internal(e.to_string()))
    }

    /// The provider receives message `id` from `account`: whether its
    /// voucher matched the list.
    pub(crate) fn receive(&mut self, account: &Fingerprint, id: usize, envelope: &[u8]) -> bool {
        self.provider.receive(account, id, envelope)
    }

    /// The messages the provider reads: every matched message of every
    /// account over the threshold, opened with the rebuilt key.
    pub(crate) fn revealed(&self) -> Vec<usize> {
        self.provider.reveal().into_iter().map(|r| r.id).collect()
    }

    /// Accounts over the threshold.
    pub(crate) fn flagged(&self) -> Vec<Fingerprint> {
        self.provider.flagged()
    }
}
