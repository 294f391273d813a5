//! The scanning client, as a layer on the clean sealer: before a message is
//! sealed it hashes the picture (if the message is one) with the
//! NeuralHash-shaped hash, and the [`Voucher`] layer adds one safety voucher
//! to the envelope — to *every* envelope, matching or not, as Apple's
//! client uploaded one with every photo. Nothing else changes: the stanzas,
//! the recipients and the payload are the clean envelope's, so on the wire
//! the message is still "end to end", and no observer can tell a match from
//! a miss.
//!
//! A layer never sees the plaintext ([`doormat::e2e::Layer`] is shown the
//! content key, the core header and the aad's hash), so the client is built
//! per message from what it is about to send:
//!
//! ```no_run
//! # use doormat_attacks::scanning::{client::ScanningClient, neuralhash::NeuralHasher, provider::Provider, voucher::Account};
//! # fn demo(alice: &doormat::keys::Identity, bob: doormat::keys::PublicIdentity, photo: &[u8]) -> doormat_attacks::Result<()> {
//! let mut provider = Provider::new(2021);
//! let list = provider.publish();
//! let hasher = NeuralHasher::default();
//! let mut client = ScanningClient::new(&list, &hasher, Account::new(30, [1; 32])?);
//! let voucher = client.for_message(photo)?;
//! let envelope = doormat::e2e::Sealer::new(alice, &[bob]).layer(voucher).seal(photo)?;
//! # Ok(()) }
//! ```

use core::fmt;

use doormat::e2e::{Layer, LayerError, Sealing};
use doormat::hazmat::shamir::Share;

use super::blinded::BlindedList;
use super::neuralhash::NeuralHasher;
use super::voucher::{self, Account, Contents, VOUCHER_EXTENSION};
use crate::Result;

/// A device's scanner: the blinded list it was shipped, the hash, and the
/// account's voucher state.
#[derive(Debug)]
pub struct ScanningClient<'a> {
    list: &'a BlindedList,
    hasher: &'a NeuralHasher,
    account: Account,
}

impl<'a> ScanningClient<'a> {
    /// A client holding `list`, hashing with `hasher`, for `account`.
    pub fn new(list: &'a BlindedList, hasher: &'a NeuralHasher, account: Account) -> Self {
        ScanningClient {
            list,
            hasher,
            account,
        }
    }

    /// Installs a new version of the list, as an update would: the client
    /// sees new bytes and nothing else.
    pub fn update(&mut self, list: &'a BlindedList) {
        self.list = list;
    }

    /// The list the client holds.
    pub fn list(&self) -> &BlindedList {
        self.list
    }

    /// The account's voucher state.
    pub fn account(&self) -> &Account {
        &self.account
    }

    /// The hash the client computes for a message: the NeuralHash-shaped
    /// hash of the picture if `plaintext` decodes as one (PNG or JPEG),
    /// else `None`.
    pub fn hash_of(&self, plaintext: &[u8]) -> Option<u128> {
        let img = image::load_from_memory(plaintext).ok()?.to_rgb8();
        Some(self.hasher.hash(&img).0)
    }

    /// The layer for one message about to be sealed: it carries the
    /// picture's hash (or, for a message that is no picture, a hash drawn
    /// from the content key, which no list holds) and the account's next
    /// share.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`](crate::Error::InvalidArgument) once the
    /// account's shares are used up.
    pub fn for_message(&mut self, plaintext: &[u8]) -> Result<Voucher<'a>> {
        let hash = self.hash_of(plaintext);
        let (share, account_key) = self.account.next_share()?;
        Ok(Voucher {
            list: self.list,
            hash,
            share,
            account_key,
        })
    }
}

/// The layer that adds one safety voucher ([`VOUCHER_EXTENSION`]) to the
/// envelope it is attached to. Made by [`ScanningClient::for_message`].
pub struct Voucher<'a> {
    list: &'a BlindedList,
    hash: Option<u128>,
    share: Share,
    account_key: [u8; 32],
}

impl fmt::Debug for Voucher<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Voucher")
            .field("list_version", &self.list.version())
            .field("is_picture", &self.hash.is_some())
            .finish_non_exhaustive()
    }
}

impl Drop for Voucher<'_> {
    fn drop(&mut self) {
        self.account_key = [0; 32];
    }
}

impl Layer for Voucher<'_> {
    fn extensions(
        &self,
        sealing: &Sealing<'_>,
    ) -> core::result::Result<Vec<(u16, Vec<u8>)>, LayerError> {
        let content_key = sealing.content_key().as_bytes();
        // A message that is no picture gets a voucher all the same, for a
        // hash nobody lists: the provider cannot open it, nobody can tell.
        let hash = self.hash.unwrap_or_else(|| {
            let d = blake3::derive_key("doormat scanning 2021: no picture", content_key);
            u128::from_le_bytes(d[..16].try_into().expect("16 bytes"))
        });
        let body = voucher::make(
            self.list,
            &Contents {
                hash,
                share: &self.share,
                account_key: &self.account_key,
                content_key,
                aad_hash: sealing.aad_hash(),
            },
        )
        .map_err(|e| LayerError::from(e.to_string()))?;
        Ok(vec![(VOUCHER_EXTENSION, body)])
    }
}
