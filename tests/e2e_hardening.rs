//! Hardening, round three, in the library: an end-to-end-only opener that
//! refuses envelopes carrying extensions it does not know (so it refuses
//! escrowed envelopes outright), and the errors those refusals are.

use doormat::e2e::{self, Layer, LayerError, OpenError, Opening, Sealing};
use doormat::escrow::{self, EscrowAuthority, LEAF_EXTENSION};
use doormat::keys::Identity;
use doormat::ErrorKind;

/// A third-party layer that stamps and checks extension 0x4450.
#[derive(Debug)]
struct Department;

impl Layer for Department {
    fn extensions(&self, _: &Sealing<'_>) -> Result<Vec<(u16, Vec<u8>)>, LayerError> {
        Ok(vec![(0x4450, b"legal".to_vec())])
    }

    fn check(&self, _: &Opening<'_>) -> Result<(), LayerError> {
        Ok(())
    }

    fn extension_types(&self) -> &[u16] {
        &[0x4450]
    }
}

#[test]
fn an_end_to_end_only_opener_refuses_unknown_extensions() {
    let authority = EscrowAuthority::generate();
    let (alice, bob) = (Identity::generate(), Identity::generate());
    let to = [bob.public()];
    let clean = e2e::seal(&alice, &to, b"clean").unwrap();
    let escrowed = escrow::seal(&alice, &to, &authority.public_key(), b"escrowed").unwrap();
    let stamped = e2e::Sealer::new(&alice, &to)
        .extension(0x1234, b"app".to_vec())
        .seal(b"stamped")
        .unwrap();
    let departmental = e2e::Sealer::new(&alice, &to)
        .layer(Department)
        .seal(b"departmental")
        .unwrap();

    // By default every extension is accepted (the envelope's own checks
    // still bind them): the escrowed envelope opens for an e2e client.
    assert!(e2e::open(&bob, &escrowed).is_ok());

    let strict = || e2e::Opener::new(&bob).refuse_unknown_extensions();
    assert_eq!(strict().open(&clean).unwrap().plaintext(), b"clean");
    for (envelope, ext) in [
        (&escrowed, LEAF_EXTENSION),
        (&stamped, 0x1234),
        (&departmental, 0x4450),
    ] {
        let e = strict().open(envelope).unwrap_err();
        assert!(
            matches!(e, OpenError::UnknownExtension(t) if t == ext),
            "{e:?}"
        );
        assert_eq!(doormat::Error::from(e).kind(), ErrorKind::Refused);
        // Streaming too, before anything is written.
        let mut out = Vec::new();
        let e = strict().open_stream(&envelope[..], &mut out).unwrap_err();
        assert!(
            matches!(e, OpenError::UnknownExtension(t) if t == ext),
            "{e:?}"
        );
        assert!(out.is_empty());
    }
    // An application's own extension, allowed by name.
    let opened = strict().allow_extension(0x1234).open(&stamped).unwrap();
    assert_eq!(opened.extension(0x1234), Some(&b"app"[..]));
    // A layer's declared types are known to the opener it is attached to.
    assert!(strict().layer(Department).open(&departmental).is_ok());
    // A compliant client that refuses unknown extensions still knows its own
    // access field, and still refuses a clean envelope for lacking one.
    let compliant = || escrow::opener(&bob, &authority.public_key()).refuse_unknown_extensions();
    assert_eq!(
        compliant().open(&escrowed).unwrap().plaintext(),
        b"escrowed"
    );
    let e = compliant().open(&clean).unwrap_err();
    assert!(
        matches!(e.layer::<escrow::Error>(), Some(escrow::Error::NotEscrowed)),
        "{e:?}"
    );
    // The authority's opener knows the field too.
    assert!(authority
        .opener()
        .refuse_unknown_extensions()
        .open(&escrowed)
        .is_ok());
}
