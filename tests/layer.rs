//! The envelope's one extension point, `e2e::Layer`: what a layer can do
//! (add bound extensions, refuse before release, unlock from the header)
//! and what it cannot (change what the envelope's own checks decide).

mod common;

use std::sync::Mutex;

use doormat::e2e::{
    self, Header, Layer, LayerError, OpenError, Opening, SealError, Sealing, Unlocked,
};
use doormat::keys::Identity;

const TAG_TYPE: u16 = 0x5447;

/// [`Stamp`]'s own error: the envelope has no stamp.
#[derive(Debug, PartialEq, Eq)]
struct Unstamped;

impl std::fmt::Display for Unstamped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("unstamped")
    }
}

impl std::error::Error for Unstamped {}

/// [`Refuse`]'s own error.
#[derive(Debug, PartialEq, Eq)]
struct Refused;

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("refused")
    }
}

impl std::error::Error for Refused {}

/// The layer error of type `E` that `r` failed with, if it did.
fn layer_error<T, E: std::error::Error + 'static>(r: &Result<T, OpenError>) -> Option<&E> {
    r.as_ref().err().and_then(OpenError::layer::<E>)
}

/// Adds one extension, remembers the content key it saw, and refuses
/// envelopes without its extension.
#[derive(Debug, Default)]
struct Stamp {
    seen_key: Mutex<Option<[u8; 32]>>,
    checked: Mutex<Vec<(Vec<u8>, usize)>>,
}

impl Layer for Stamp {
    fn extensions(&self, sealing: &Sealing<'_>) -> Result<Vec<(u16, Vec<u8>)>, LayerError> {
        *self.seen_key.lock().unwrap() = Some(*sealing.content_key().as_bytes());
        Ok(vec![(TAG_TYPE, sealing.core_header()[..7].to_vec())])
    }

    fn check(&self, opening: &Opening<'_>) -> Result<(), LayerError> {
        let tag = opening
            .header()
            .extension(TAG_TYPE)
            .ok_or_else(|| Box::new(Unstamped) as LayerError)?;
        assert_eq!(
            Some(*opening.content_key().as_bytes()),
            *self.seen_key.lock().unwrap()
        );
        self.checked
            .lock()
            .unwrap()
            .push((tag.to_vec(), opening.recipients().len()));
        Ok(())
    }
}

/// Knows a content key (as any recipient or escrow-key holder does) and
/// unlocks with it, optionally naming the associated data's hash.
#[derive(Debug)]
struct KnownKey {
    key: [u8; 32],
    aad_hash: Option<[u8; 32]>,
}

impl Layer for KnownKey {
    fn unlock(&self, _: &Header) -> Result<Option<Unlocked>, LayerError> {
        Ok(Some(Unlocked {
            content_key: e2e::ContentKey::from_bytes(&self.key),
            aad_hash: self.aad_hash,
        }))
    }
}

/// Refuses everything.
#[derive(Debug)]
struct Refuse;

impl Layer for Refuse {
    fn check(&self, _: &Opening<'_>) -> Result<(), LayerError> {
        Err(Box::new(Refused))
    }
}

fn cast() -> (Identity, Vec<Identity>) {
    let mut ids = common::identities(3);
    let sender = ids.remove(0);
    (sender, ids)
}

#[test]
fn a_layer_adds_bound_extensions_and_checks_before_release() {
    let (alice, to) = cast();
    let pubs = common::publics(&to);
    let stamp = Stamp::default();
    let envelope = e2e::Sealer::new(&alice, &pubs)
        .layer(&stamp)
        .chunk_size(1024)
        .seal(&[1u8; 4000])
        .unwrap();
    // The extension travels in clear and every recipient sees it.
    assert_eq!(
        e2e::Header::parse(&envelope).unwrap().extension(TAG_TYPE),
        Some(&b"doormat"[..])
    );
    let opened = e2e::Opener::new(&to[0])
        .layer(&stamp)
        .open(&envelope)
        .unwrap();
    assert_eq!(opened.extension(TAG_TYPE), Some(&b"doormat"[..]));
    assert_eq!(
        stamp.checked.lock().unwrap().as_slice(),
        &[(b"doormat".to_vec(), 2)]
    );
    // Without the stamp, the same check refuses, with the layer's error.
    let plain = e2e::seal(&alice, &pubs, b"x").unwrap();
    let r = e2e::Opener::new(&to[0]).layer(&stamp).open(&plain);
    assert!(layer_error(&r) == Some(&Unstamped), "{r:?}");
    // ... which the umbrella error keeps, as a refusal.
    let e = doormat::Error::from(r.unwrap_err());
    assert_eq!(e.kind(), doormat::ErrorKind::Refused);
    assert!(matches!(&e, doormat::Error::Open(o) if o.layer::<Unstamped>().is_some()));
}

#[test]
fn a_refusing_layer_releases_nothing_even_when_streaming() {
    let (alice, to) = cast();
    let pubs = common::publics(&to);
    let envelope = e2e::Sealer::new(&alice, &pubs)
        .chunk_size(1024)
        .seal(&[7u8; 16_000])
        .unwrap();
    let mut out = Vec::new();
    let r = e2e::Opener::new(&to[1])
        .layer(Refuse)
        .open_stream(&envelope[..], &mut out);
    assert!(layer_error(&r) == Some(&Refused), "{r:?}");
    assert!(out.is_empty(), "the check runs before the first chunk");
    let r = e2e::Opener::new(&to[1]).layer(Refuse).open(&envelope);
    assert!(layer_error(&r) == Some(&Refused), "{r:?}");
}

#[test]
fn layer_extension_types_clash_with_the_sealers_own() {
    let (alice, to) = cast();
    let pubs = common::publics(&to);
    let r = e2e::Sealer::new(&alice, &pubs)
        .extension(TAG_TYPE, b"mine".to_vec())
        .layer(Stamp::default())
        .seal(b"x");
    assert!(
        matches!(
            r,
            Err(SealError::InvalidArgument(
                "duplicate header extension type"
            ))
        ),
        "{r:?}"
    );
}

/// Whoever knows the content key opens the envelope without a stanza — and
/// the signature is still verified, so the sender is still proven.
#[test]
fn unlocked_by_a_known_content_key() {
    let (alice, to) = cast();
    let pubs = common::publics(&to);
    let stamp = Stamp::default();
    let aad = b"case 7";
    let envelope = e2e::Sealer::new(&alice, &pubs)
        .layer(&stamp)
        .associated_data(aad)
        .seal(b"for the key holder")
        .unwrap();
    let key = stamp.seen_key.lock().unwrap().unwrap();
    let aad_hash = Some(common::sha256(aad));

    // The caller's associated data ...
    let opened = e2e::Opener::unlocked_by(KnownKey {
        key,
        aad_hash: None,
    })
    .associated_data(aad)
    .open(&envelope)
    .unwrap();
    assert_eq!(opened.plaintext(), b"for the key holder");
    assert_eq!(opened.sender(), &alice.public());
    // ... or the layer's hash of it; the caller's takes precedence.
    let by_layer = KnownKey { key, aad_hash };
    assert!(e2e::Opener::unlocked_by(&by_layer).open(&envelope).is_ok());
    assert!(matches!(
        e2e::Opener::unlocked_by(&by_layer)
            .associated_data(b"other")
            .open(&envelope),
        Err(OpenError::HeaderTampered)
    ));
    // A wrong key is a tampered header, not a panic or a partial open.
    let mut wrong = key;
    wrong[0] ^= 1;
    assert!(matches!(
        e2e::Opener::unlocked_by(KnownKey {
            key: wrong,
            aad_hash
        })
        .open(&envelope),
        Err(OpenError::HeaderTampered)
    ));
    // A layer that does not unlock gives no key. A layer added after the
    // unlocking one adds its check and does not take over the unlocking.
    assert!(matches!(
        e2e::Opener::unlocked_by(Refuse).open(&envelope),
        Err(OpenError::NotARecipient)
    ));
    let r = e2e::Opener::unlocked_by(&by_layer)
        .associated_data(aad)
        .layer(Refuse)
        .open(&envelope);
    assert!(layer_error(&r) == Some(&Refused), "{r:?}");
    let opened = e2e::Opener::unlocked_by(&by_layer)
        .associated_data(aad)
        .layer(&stamp)
        .open(&envelope)
        .unwrap();
    assert_eq!(opened.plaintext(), b"for the key holder");
}

/// Layers stack: a layer added to an escrowed sealer or a compliant opener
/// adds to the access field and the compliance check; it never drops them.
#[test]
fn layers_stack_and_never_drop_the_escrow_layer() {
    use doormat::escrow::{self, EscrowAuthority};
    let (alice, to) = cast();
    let pubs = common::publics(&to);
    let authority = EscrowAuthority::generate();
    let key = authority.public_key();
    let stamp = Stamp::default();
    let escrowed = escrow::sealer(&alice, &pubs, &key)
        .layer(&stamp)
        .seal(b"both layers")
        .unwrap();
    let header = Header::parse(&escrowed).unwrap();
    assert!(header.extension(TAG_TYPE).is_some(), "the stamp");
    assert_eq!(
        escrow::named_key(&header),
        Some(key.clone()),
        "the access field"
    );
    assert_eq!(
        authority.open(&escrowed).unwrap().plaintext(),
        b"both layers"
    );
    let opened = escrow::opener(&to[0], &key)
        .layer(&stamp)
        .open(&escrowed)
        .unwrap();
    assert_eq!(opened.plaintext(), b"both layers");
    assert_eq!(
        stamp.checked.lock().unwrap().len(),
        1,
        "the stamp's check ran"
    );

    // A clean envelope with the stamp: the stamp passes, compliance does not.
    let clean = e2e::Sealer::new(&alice, &pubs)
        .layer(&stamp)
        .seal(b"clean")
        .unwrap();
    for layered in [
        escrow::opener(&to[0], &key).layer(&stamp),
        e2e::Opener::new(&to[0])
            .layer(&stamp)
            .layer(escrow::Compliance::pinned(&key)),
    ] {
        let r = layered.open(&clean);
        assert!(
            matches!(layer_error(&r), Some(escrow::Error::NotEscrowed)),
            "{r:?}"
        );
        let mut out = Vec::new();
        let r = layered.open_stream(&clean[..], &mut out);
        assert!(
            matches!(layer_error(&r), Some(escrow::Error::NotEscrowed)),
            "{r:?}"
        );
        assert!(out.is_empty());
    }
    // Every check runs, in order: a refusing layer anywhere refuses.
    let r = escrow::opener(&to[0], &key).layer(Refuse).open(&escrowed);
    assert!(layer_error(&r) == Some(&Refused), "{r:?}");
    // Two layers that add the same extension type clash.
    assert!(matches!(
        e2e::Sealer::new(&alice, &pubs)
            .layer(&stamp)
            .layer(&stamp)
            .seal(b"twice"),
        Err(SealError::InvalidArgument(
            "duplicate header extension type"
        ))
    ));
}

#[test]
fn builders_show_their_layer_but_no_secret() {
    let (alice, to) = cast();
    let pubs = common::publics(&to);
    let key = [0xa5u8; 32];
    let sealer = format!("{:?}", e2e::Sealer::new(&alice, &pubs).layer(Refuse));
    assert!(sealer.contains("Refuse"), "{sealer}");
    let opener = format!(
        "{:?}",
        e2e::Opener::unlocked_by(KnownKey {
            key,
            aad_hash: None
        })
    );
    assert!(opener.contains("KnownKey"), "{opener}");
    assert_eq!(
        format!("{:?}", e2e::ContentKey::from_bytes(&key)),
        "ContentKey([redacted])"
    );
}
