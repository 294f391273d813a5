//! What an escrow key text is, told by its prefix.

use super::{ESCROW_KEY_PREFIXES, ESCROW_SECRET_PREFIXES, FAMILY_PREFIX, SHARE_PREFIX};
use crate::keys::text::kem_by_prefix;
use crate::keys::Kem;

/// What an escrow key text is, told by its prefix alone: the escrow twin's
/// counterpart of [`KeyText`](crate::keys::KeyText), so a tool can name any
/// doormat key text it is handed without a table of prefixes of its own.
///
/// ```
/// use doormat::escrow::{EscrowAuthority, EscrowText};
/// use doormat::keys::Kem;
///
/// let authority = EscrowAuthority::generate();
/// assert_eq!(EscrowText::of(&authority.public_key().to_string()), Some(EscrowText::Key(Kem::X25519)));
/// assert_eq!(EscrowText::of(&authority.to_secret_string()), Some(EscrowText::Secret(Kem::X25519)));
/// assert!(EscrowText::of(&authority.to_secret_string()).unwrap().is_secret());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EscrowText {
    /// `doormat-escrow-1…` or `doormat-escrow-pq-1…`: an [`EscrowKey`](super::EscrowKey).
    Key(Kem),
    /// `doormat-escrow-secret-1…` or `doormat-escrow-secret-pq-1…`: an
    /// [`EscrowAuthority`](super::EscrowAuthority).
    Secret(Kem),
    /// `doormat-escrow-share-1…`: a [`KeyShare`](super::KeyShare).
    Share,
    /// `doormat-family-1…`: a [`FamilyKey`](super::FamilyKey).
    Family,
}

impl EscrowText {
    /// Every kind, for every KEM.
    pub fn all() -> impl Iterator<Item = EscrowText> {
        Kem::ALL
            .into_iter()
            .flat_map(|kem| [EscrowText::Key(kem), EscrowText::Secret(kem)])
            .chain([EscrowText::Share, EscrowText::Family])
    }

    /// The prefix such a text starts with.
    pub fn prefix(self) -> &'static str {
        match self {
            EscrowText::Key(kem) => ESCROW_KEY_PREFIXES[kem as usize],
            EscrowText::Secret(kem) => ESCROW_SECRET_PREFIXES[kem as usize],
            EscrowText::Share => SHARE_PREFIX,
            EscrowText::Family => FAMILY_PREFIX,
        }
    }

    /// The kind of `text`, from its prefix; `None` for anything else. The
    /// secret and share prefixes extend `doormat-escrow-`, so they are
    /// tried before the public key's.
    pub fn of(text: &str) -> Option<EscrowText> {
        kem_by_prefix(text, &ESCROW_SECRET_PREFIXES)
            .map(EscrowText::Secret)
            .or_else(|| text.starts_with(SHARE_PREFIX).then_some(EscrowText::Share))
            .or_else(|| kem_by_prefix(text, &ESCROW_KEY_PREFIXES).map(EscrowText::Key))
            .or_else(|| {
                text.starts_with(FAMILY_PREFIX)
                    .then_some(EscrowText::Family)
            })
    }

    /// Whether the text is a secret: everything but a public escrow key.
    pub fn is_secret(self) -> bool {
        !matches!(self, EscrowText::Key(_))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::escrow::{PQ_ESCROW_KEY_PREFIX, PQ_ESCROW_SECRET_PREFIX};
    use crate::keys::KeyText;

    /// Every prefix is told apart from every other, whichever is a prefix of
    /// which, and no escrow text passes for a user's key or the reverse.
    #[test]
    fn every_prefix_has_one_kind() {
        let cases = [
            (ESCROW_KEY_PREFIXES[0], EscrowText::Key(Kem::X25519)),
            (PQ_ESCROW_KEY_PREFIX, EscrowText::Key(Kem::XWing)),
            (ESCROW_SECRET_PREFIXES[0], EscrowText::Secret(Kem::X25519)),
            (PQ_ESCROW_SECRET_PREFIX, EscrowText::Secret(Kem::XWing)),
            (SHARE_PREFIX, EscrowText::Share),
            (FAMILY_PREFIX, EscrowText::Family),
        ];
        for (prefix, kind) in cases {
            let text = format!("{prefix}00");
            assert_eq!(EscrowText::of(&text), Some(kind), "{prefix}");
            assert_eq!(KeyText::of(&text), None, "{prefix}");
            assert_eq!(kind.prefix(), prefix);
        }
        assert_eq!(EscrowText::all().count(), cases.len());
        assert_eq!(KeyText::all().count(), 2 * Kem::ALL.len());
        for kem in Kem::ALL {
            for kind in [KeyText::Public(kem), KeyText::Secret(kem)] {
                let text = format!("{}00", kind.prefix());
                assert_eq!(KeyText::of(&text), Some(kind));
                assert_eq!(EscrowText::of(&text), None);
            }
        }
    }
}
