//! A malicious co-recipient against `doormat::e2e`.
//!
//! Every recipient knows an envelope's content key, so every AEAD tag proves
//! only that its author knew that key. Bob, a legitimate recipient, uses the
//! kit of `common/co_recipient.rs` (the format re-implemented from
//! `docs/FORMAT.md`, with nothing but the public bytes and his own identity)
//! to forge envelopes from Alice in which *every* AEAD is valid:
//!
//! * (a) payload chunks replaced, dropped or added;
//! * (b) the recipient set rewritten: fingerprints reordered or substituted
//!   with the header byte-identical, stanzas and fingerprints removed, added
//!   (for Dave) or reordered;
//! * (c) the signature of another envelope from Alice swapped in;
//! * (d) two envelopes from Alice spliced;
//! * and the same with associated data, including a changed one;
//! * (e) chunks forged deep inside a checkpoint span several streaming
//!   batches long, as in the default geometry.
//!
//! Carol, another recipient, must refuse each forgery with `BadSignature`,
//! from `open` and from `open_stream`, for both payload ciphers, without and
//! with key ids — and `open_stream` must never write a byte of a forgery:
//! what it writes before it fails is a prefix of a plaintext Alice signed,
//! released one signed checkpoint at a time. A last test shows that Alice's
//! application signatures (`Identity::sign`) never serve as envelope
//! signatures, whatever bytes Bob asks her to sign. Each forgery is also checked from the kit's side: Carol's
//! stanza opens every AEAD of it, the kit's own Ed25519 check refuses it, and
//! the same forgery signed honestly by Bob opens for Carol with Bob as the
//! sender. So each refusal is due to the signature alone, not to a kit bug.

mod common;
#[path = "common/co_recipient.rs"]
mod kit;

use common::{bytes, identity, kind, Layout};
use doormat::e2e::{self, OpenError, Opener, PayloadCipher, Sealer};
use doormat::keys::{Identity, PublicIdentity};
use kit::{insert, swap, Parts};

/// The default chunk size, so a payload of a few MiB has a first, many
/// middle and a last chunk.
const CHUNK: u32 = 64 << 10;
/// A checkpoint after every 16 chunks: 1 MiB between checkpoints, the least
/// the format allows. 36 chunks carry two checkpoints.
const INTERVAL: u32 = 16;
/// The plaintext between two checkpoints.
const SPAN: usize = (CHUNK * INTERVAL) as usize;
/// 36 chunks: 0 (first) to 34 are full, 35 (last) holds 20 bytes.
const LEN: usize = 2 * SPAN + 3 * CHUNK as usize + 20;
const CHUNKS: usize = 36;
/// The first chunk, a middle chunk in the second span, the last chunk.
const POSITIONS: [(&str, usize); 3] = [
    ("first", 0),
    ("middle", (INTERVAL + INTERVAL / 2) as usize),
    ("last", CHUNKS - 1),
];

/// Both payload ciphers, each without and with recipient key ids.
const CONFIGS: [(PayloadCipher, bool); 4] = [
    (PayloadCipher::ChaCha20Poly1305, false),
    (PayloadCipher::Aes256Gcm, false),
    (PayloadCipher::ChaCha20Poly1305, true),
    (PayloadCipher::Aes256Gcm, true),
];

/// Alice sends. Bob (the forger), Carol (the victim) and Erin receive. Dave
/// is not a recipient; Bob adds him.
struct Cast {
    alice: Identity,
    bob: Identity,
    carol: Identity,
    erin: Identity,
    dave: Identity,
}

fn cast() -> Cast {
    let id = |i| identity(0xc0_2ec1, i);
    Cast {
        alice: id(0),
        bob: id(1),
        carol: id(2),
        erin: id(3),
        dave: id(4),
    }
}

impl Cast {
    /// Alice seals `pt` to `to`, in chunks of [`CHUNK`] bytes, with a
    /// checkpoint every [`INTERVAL`] chunks.
    fn seal(&self, cfg: (PayloadCipher, bool), to: &[&Identity], pt: &[u8], aad: &[u8]) -> Vec<u8> {
        let to: Vec<PublicIdentity> = to.iter().map(|i| i.public()).collect();
        let sealer = Sealer::new(&self.alice, &to).cipher(cfg.0).key_ids(cfg.1);
        let sealer = sealer.chunk_size(CHUNK).checkpoint_interval(INTERVAL);
        let sealer = sealer.associated_data(aad);
        sealer.seal(pt).unwrap()
    }

    /// Alice seals `pt` to `to`, and Bob takes the envelope apart.
    fn sealed_parts(&self, cfg: (PayloadCipher, bool), to: &[&Identity], pt: &[u8]) -> Parts {
        Parts::open(&self.bob, &self.seal(cfg, to, pt, b""), b"").unwrap()
    }
}

fn fingerprint(id: &Identity) -> [u8; 32] {
    *id.public().fingerprint().as_bytes()
}

/// A copy of `p` edited by `f`.
fn edited(p: &Parts, f: impl FnOnce(&mut Parts)) -> Parts {
    let mut p = p.clone();
    f(&mut p);
    p
}

/// Bob's own bytes in place of `old`: same length, every byte different.
fn own(old: &[u8]) -> Vec<u8> {
    old.iter().map(|b| b ^ 0xb0).collect()
}

/// What opening said: `"opened"` or the error's variant name.
fn outcome<T>(r: Result<T, OpenError>) -> String {
    r.map_or_else(|e| kind(&e), |_| "opened".to_owned())
}

/// What `who` gets from `e2e::open` (or `Opener::open` with associated data)
/// and from `Opener::open_stream`, and what the stream wrote.
fn answers(who: &Identity, env: &[u8], aad: &[u8]) -> ([String; 2], Vec<u8>) {
    let in_memory = if aad.is_empty() {
        e2e::open(who, env)
    } else {
        Opener::new(who).associated_data(aad).open(env)
    };
    let mut written = Vec::new();
    let stream = Opener::new(who)
        .associated_data(aad)
        .open_stream(env, &mut written);
    ([outcome(in_memory), outcome(stream)], written)
}

/// The cases of one test. Every failure is collected, so one report lists
/// every wrong answer of the openers (`answers`: a forgery accepted, or the
/// wrong error) apart from the kit's own mismatches (`kit`: the kit or the
/// control disagrees with the crate, e.g. if the format changed); then the
/// number of cases run is checked.
struct Report<'a> {
    cast: &'a Cast,
    config: String,
    cases: usize,
    answers: Vec<String>,
    kit: Vec<String>,
    /// The plaintexts Alice signed in this configuration: all that a
    /// streaming opener may ever write is a prefix of one of them.
    genuine: Vec<Vec<u8>>,
    /// How many bytes each case's stream wrote before it failed.
    released: Vec<(String, usize)>,
}

impl<'a> Report<'a> {
    fn new(cast: &'a Cast) -> Report<'a> {
        Report {
            cast,
            config: String::new(),
            cases: 0,
            answers: Vec::new(),
            kit: Vec::new(),
            genuine: Vec::new(),
            released: Vec::new(),
        }
    }

    /// The plaintexts Alice signed for the cases that follow.
    fn genuine(&mut self, plaintexts: &[&[u8]]) {
        self.genuine = plaintexts.iter().map(|p| p.to_vec()).collect();
    }

    /// How many bytes the stream released for the case named `name` in the
    /// current configuration.
    fn released(&self, name: &str) -> usize {
        let key = format!("[{}] {name}", self.config);
        self.released.iter().find(|(n, _)| *n == key).unwrap().1
    }

    fn config(&mut self, cfg: (PayloadCipher, bool)) {
        let ids = if cfg.1 { "key ids" } else { "no key ids" };
        self.config = format!("{:?}, {ids}", cfg.0);
    }

    fn kit_fail(&mut self, name: &str, what: String) {
        self.kit.push(format!("[{}] {name}: {what}", self.config));
    }

    /// `who` must get `expected` from both openers.
    fn expect(&mut self, who: &Identity, name: &str, env: &[u8], aad: &[u8], expected: &str) {
        self.cases += 1;
        let (got, written) = answers(who, env, aad);
        let case = format!("[{}] {name}", self.config);
        if got.iter().any(|g| g != expected) {
            let what = format!("open, open_stream gave {got:?}, not {expected}");
            self.answers.push(format!("{case}: {what}"));
        }
        // Not a byte of a forgery reaches the sink: only a signed prefix.
        let signed_prefix =
            written.is_empty() || self.genuine.iter().any(|g| g.starts_with(&written));
        if !signed_prefix {
            let what = format!("open_stream wrote {} unsigned bytes", written.len());
            self.answers.push(format!("{case}: {what}"));
        }
        self.released.push((case, written.len()));
    }

    /// A forgery whose every AEAD is valid: Carol must get `BadSignature`.
    fn forged(&mut self, name: &str, parts: &Parts) {
        let (bob, carol) = (&self.cast.bob, &self.cast.carol);
        let env = parts.seal();
        self.expect(carol, name, &env, &parts.aad, "BadSignature");
        // The kit's view: Carol's stanza opens every AEAD, to the same parts,
        // and only the signature is wrong.
        match Parts::open(carol, &env, &parts.aad) {
            Ok(p) if p == parts.normalized() => {}
            Ok(_) => self.kit_fail(name, "kit: Carol opens other parts".into()),
            Err(part) => self.kit_fail(name, format!("kit: Carol cannot open the {part}")),
        }
        if parts.signature_verifies() {
            self.kit_fail(name, "kit: the signature verifies, not a forgery".into());
        }
        // Control: the same forgery, signed by Bob as himself, opens.
        let honest = edited(parts, |p| p.resign(bob));
        match Opener::new(carol)
            .associated_data(&parts.aad)
            .open(&honest.seal())
        {
            Ok(o)
                if o.sender() == &bob.public()
                    && o.plaintext() == honest.plaintext()
                    && o.recipients()
                        .iter()
                        .map(|f| *f.as_bytes())
                        .eq(honest.fingerprints()) => {}
            Ok(_) => self.kit_fail(name, "control: opened with other contents".into()),
            Err(e) => self.kit_fail(name, format!("control signed by Bob: {e:?}")),
        }
    }

    fn finish(self, expected_cases: usize) {
        assert!(
            self.answers.is_empty() && self.kit.is_empty(),
            "of {} cases, {} wrong answers:\n{}\n{} kit mismatches:\n{}",
            self.cases,
            self.answers.len(),
            self.answers.join("\n"),
            self.kit.len(),
            self.kit.join("\n")
        );
        assert_eq!(self.cases, expected_cases, "cases run");
    }
}

/// The kit is right: Bob's re-encryption of Alice's unchanged parts is her
/// envelope byte for byte, its signature verifies under the kit's message,
/// the no-op rebuilds change nothing, and Carol opens the result.
#[test]
fn kit_reproduces_alice_envelopes_byte_for_byte() {
    let c = cast();
    let to = [&c.bob, &c.carol, &c.erin];
    assert!(kit::geometry_allowed(CHUNK as usize, INTERVAL as usize));
    let mut cases = 0;
    for cfg in CONFIGS {
        // Empty, one byte, one full chunk, two checkpoints and a short last
        // chunk, and two whole spans (whose last chunk ends a span: no
        // checkpoint follows it).
        for (len, aad) in [
            (0, &b""[..]),
            (1, b""),
            (CHUNK as usize, b"x"),
            (LEN, b"ticket"),
            (2 * SPAN, b""),
        ] {
            let pt = bytes(len as u64, len);
            let to_pub: Vec<PublicIdentity> = to.iter().map(|i| i.public()).collect();
            let env = (Sealer::new(&c.alice, &to_pub).cipher(cfg.0).key_ids(cfg.1))
                .chunk_size(CHUNK)
                .checkpoint_interval(INTERVAL)
                .associated_data(aad)
                .extension(7, b"hello".to_vec())
                .seal(&pt)
                .unwrap();
            let what = format!("{cfg:?}, {len} bytes");
            let parts = Parts::open(&c.bob, &env, aad).unwrap();
            assert_eq!(parts.seal(), env, "{what}: re-encryption");
            assert!(parts.signature_verifies(), "{what}: Alice's signature");
            assert_eq!(parts.plaintext(), pt, "{what}");
            assert_eq!(parts.chunks.len(), len.div_ceil(CHUNK as usize).max(1));
            let checkpoints = (parts.chunks.len() - 1) / INTERVAL as usize;
            assert_eq!(parts.checkpoints.len(), checkpoints, "{what}: checkpoints");
            let layout = Layout::parse(&env);
            assert_eq!(parts.header, env[layout.header].to_vec(), "{what}");
            let block = [
                c.alice.public().to_bytes().to_vec(),
                to.map(fingerprint).concat(),
            ];
            assert_eq!(parts.sender_block, block.concat(), "{what}: sender block");
            assert_eq!(
                Parts::open(&c.carol, &env, aad),
                Ok(parts.clone()),
                "{what}"
            );
            let rebuilt = edited(&parts, |p| {
                p.set_stanzas(p.stanzas());
                p.set_fingerprints(p.fingerprints());
                p.set_plaintext(&pt);
                p.set_geometry(CHUNK, INTERVAL);
            });
            assert_eq!(rebuilt, parts, "{what}: no-op rebuild");
            let carol = Opener::new(&c.carol).associated_data(aad);
            let opened = carol.open(&rebuilt.seal()).unwrap();
            assert_eq!(
                (opened.plaintext(), opened.sender()),
                (&pt[..], &c.alice.public())
            );
            let mut streamed = Vec::new();
            carol
                .open_stream(&rebuilt.seal()[..], &mut streamed)
                .unwrap();
            assert_eq!(streamed, pt, "{what}: stream");
            // A new stanza and fingerprint, honestly signed by Bob: Dave opens.
            let dave = edited(&parts, |p| {
                p.set_stanzas([p.stanzas(), vec![p.new_stanza(&c.dave.public())]].concat());
                p.set_fingerprints([p.fingerprints(), vec![fingerprint(&c.dave)]].concat());
                p.resign(&c.bob);
            });
            let opened = Opener::new(&c.dave).associated_data(aad).open(&dave.seal());
            assert_eq!(opened.unwrap().sender(), &c.bob.public(), "{what}: Dave");
            cases += 1;
        }
    }
    assert_eq!(cases, 5 * CONFIGS.len());
}

/// (a) Bob replaces payload chunks with validly encrypted chunks of his own.
#[test]
fn a_bob_replaces_payload_chunks() {
    let c = cast();
    let mut report = Report::new(&c);
    for cfg in CONFIGS {
        report.config(cfg);
        let orig = c.sealed_parts(cfg, &[&c.bob, &c.carol, &c.erin], &bytes(1, LEN));
        assert_eq!(orig.chunks.len(), CHUNKS);
        assert_eq!(orig.checkpoints.len(), 2);
        report.genuine(&[&orig.plaintext()]);
        for (pos, at) in POSITIONS {
            let f = edited(&orig, |p| p.chunks[at] = own(&p.chunks[at]));
            let name = format!("{pos} chunk replaced, same length");
            report.forged(&name, &f);
            // The stream released exactly the signed batches before the
            // forged chunk: every byte Alice signed, and not one of Bob's.
            let batches = at / INTERVAL as usize;
            let signed = batches * SPAN;
            assert_eq!(report.released(&name), signed, "{name}");
        }
        let last = CHUNKS - 1;
        let f = edited(&orig, |p| p.chunks[last] = bytes(2, 1));
        report.forged("last chunk replaced by a shorter one", &f);
        let f = edited(&orig, |p| p.chunks[last] = bytes(3, CHUNK as usize));
        report.forged("last chunk replaced by a full one", &f);
        let f = edited(&orig, |p| {
            p.chunks[last] = bytes(4, CHUNK as usize);
            p.chunks.push(bytes(5, 7));
        });
        report.forged("last chunk replaced by two chunks", &f);
        let f = edited(&orig, |p| drop(p.chunks.remove(POSITIONS[1].1)));
        report.forged("a middle chunk dropped, the rest renumbered", &f);
        let f = edited(&orig, |p| drop(p.chunks.pop()));
        report.forged("last chunk dropped, the one before sealed as last", &f);
        let f = edited(&orig, |p| p.set_plaintext(&bytes(6, 100)));
        report.forged("the whole payload replaced", &f);
    }
    report.finish(9 * CONFIGS.len());
}

/// A rewritten recipient set: its name, the stanzas, the fingerprints.
type Rewrite = (&'static str, Vec<Vec<u8>>, Vec<[u8; 32]>);

/// (b) Bob rewrites the recipient set in the sender block, and with it the
/// stanzas of the header, re-encrypting everything under the new keys.
#[test]
fn b_bob_rewrites_the_recipient_set() {
    let c = cast();
    let mut report = Report::new(&c);
    for cfg in CONFIGS {
        report.config(cfg);
        // Stanzas and fingerprints in the order Bob, Carol, Erin.
        let orig = c.sealed_parts(cfg, &[&c.bob, &c.carol, &c.erin], &bytes(1, LEN));
        report.genuine(&[&orig.plaintext()]);
        let (st, fp) = (orig.stanzas(), orig.fingerprints());
        assert_eq!(fp, [&c.bob, &c.carol, &c.erin].map(fingerprint));
        let (dave_st, dave_fp) = (orig.new_stanza(&c.dave.public()), fingerprint(&c.dave));

        // Only the sealed sender block changes: the header is byte-identical,
        // so the keys are the same and only SHA-256(sender_block) in the
        // signed message tells.
        let same_header: [(&str, Vec<[u8; 32]>); 3] = [
            (
                "fingerprints of Bob and Carol swapped",
                swap(fp.clone(), 0, 1),
            ),
            ("fingerprints rotated", [&fp[1..], &fp[..1]].concat()),
            (
                "Erin's fingerprint replaced by Dave's",
                [&fp[..2], &[dave_fp]].concat(),
            ),
        ];
        for (name, fps) in same_header {
            let f = edited(&orig, |p| p.set_fingerprints(fps));
            assert_eq!(f.header, orig.header, "{name}");
            report.forged(&format!("{name}, header unchanged"), &f);
        }

        // Stanzas and fingerprints together: the header changes too.
        let rewritten: [Rewrite; 7] = [
            ("Erin removed", st[..2].to_vec(), fp[..2].to_vec()),
            ("Bob removed himself", st[1..].to_vec(), fp[1..].to_vec()),
            (
                "Dave added last",
                insert(st.clone(), 3, dave_st.clone()),
                insert(fp.clone(), 3, dave_fp),
            ),
            (
                "Dave added first",
                insert(st.clone(), 0, dave_st.clone()),
                insert(fp.clone(), 0, dave_fp),
            ),
            (
                "stanzas and fingerprints reversed together",
                st.iter().rev().cloned().collect(),
                fp.iter().rev().copied().collect(),
            ),
            (
                "stanzas reversed, fingerprints not",
                st.iter().rev().cloned().collect(),
                fp.clone(),
            ),
            (
                "Erin's stanza wrapped again",
                [&st[..2], &[orig.new_stanza(&c.erin.public())]].concat(),
                fp.clone(),
            ),
        ];
        for (name, stanzas, fps) in rewritten {
            let dave_added = fps.contains(&dave_fp);
            let f = edited(&orig, |p| {
                p.set_stanzas(stanzas);
                p.set_fingerprints(fps);
            });
            assert_ne!(f.header, orig.header, "{name}");
            report.forged(name, &f);
            if dave_added {
                // Dave, now a recipient by Bob's doing, is not fooled either.
                let name = format!("{name}, Dave opens");
                report.expect(&c.dave, &name, &f.seal(), b"", "BadSignature");
            }
        }

        // A one-chunk envelope carries no checkpoint: the final signature
        // alone binds its recipient set (as for every default envelope under
        // one checkpoint span, 4 MiB).
        let short = c.sealed_parts(cfg, &[&c.bob, &c.carol, &c.erin], &bytes(7, 40));
        assert!(short.checkpoints.is_empty() && short.chunks.len() == 1);
        report.genuine(&[&orig.plaintext(), &short.plaintext()]);
        let fp = short.fingerprints();
        let one_chunk: [(&str, Vec<[u8; 32]>); 3] = [
            ("one chunk: Bob and Carol swapped", swap(fp.clone(), 0, 1)),
            (
                "one chunk: Erin replaced by Dave",
                [&fp[..2], &[dave_fp]].concat(),
            ),
            (
                "one chunk: fingerprints rotated",
                [&fp[1..], &fp[..1]].concat(),
            ),
        ];
        for (name, fps) in one_chunk {
            let f = edited(&short, |p| p.set_fingerprints(fps));
            assert_eq!(f.header, short.header, "{name}");
            report.forged(name, &f);
        }
        let f = edited(&short, |p| {
            p.set_stanzas(p.stanzas()[..2].to_vec());
            p.set_fingerprints(p.fingerprints()[..2].to_vec());
        });
        report.forged("one chunk: Erin removed", &f);
    }
    report.finish(16 * CONFIGS.len());
}

/// (a) again, at the default geometry's scale: a checkpoint span (here 4 MiB,
/// as by default) is four times a streaming batch (1 MiB), so the opener
/// holds several batches back. A forged chunk anywhere in a span — in its
/// first batch, its second, its last chunk — releases nothing of that span;
/// the stream writes exactly the spans whose checkpoints verified.
#[test]
fn e_forged_chunks_deep_in_a_long_span_never_reach_the_sink() {
    const BIG_CHUNK: u32 = 4096;
    const BIG_INTERVAL: u32 = 1024;
    let span = (BIG_CHUNK * BIG_INTERVAL) as usize;
    assert!(
        span >= 4 * e2e::STREAM_BATCH_SPAN,
        "a span of several batches"
    );
    let c = cast();
    let mut report = Report::new(&c);
    let len = 2 * span + 3 * BIG_CHUNK as usize + 100;
    let pt = bytes(11, len);
    for cfg in [CONFIGS[0], CONFIGS[1]] {
        report.config(cfg);
        let to: Vec<PublicIdentity> = [&c.bob, &c.carol].iter().map(|i| i.public()).collect();
        let env = Sealer::new(&c.alice, &to)
            .cipher(cfg.0)
            .chunk_size(BIG_CHUNK)
            .checkpoint_interval(BIG_INTERVAL)
            .seal(&pt)
            .unwrap();
        let orig = Parts::open(&c.bob, &env, b"").unwrap();
        assert_eq!(orig.checkpoints.len(), 2);
        report.genuine(&[&pt]);
        let chunks = orig.chunks.len();
        let positions = [
            ("span 1, first chunk", 0),
            ("span 1, second batch", 300),
            ("span 1, last chunk", 1023),
            ("span 2, third batch", 1024 + 600),
            ("span 3, last chunk", chunks - 1),
        ];
        for (pos, at) in positions {
            let f = edited(&orig, |p| p.chunks[at] = own(&p.chunks[at]));
            let name = format!("{pos} replaced");
            report.forged(&name, &f);
            let signed = at / BIG_INTERVAL as usize * span;
            assert_eq!(report.released(&name), signed, "{name}");
        }
    }
    report.finish(5 * 2);
}

/// (c) Bob swaps in the signature of another envelope from Alice: opened
/// with that envelope's meta key, sealed again under this one's.
#[test]
fn c_bob_swaps_in_another_signature() {
    let c = cast();
    let mut report = Report::new(&c);
    for cfg in CONFIGS {
        report.config(cfg);
        let to = [&c.bob, &c.carol];
        let (pt1, pt2) = (bytes(1, LEN), bytes(2, LEN - 30));
        let env1 = c.seal(cfg, &to, &pt1, b"");
        let env2 = c.seal(cfg, &to, &pt2, b"");
        let p1 = Parts::open(&c.bob, &env1, b"").unwrap();
        let p2 = Parts::open(&c.bob, &env2, b"").unwrap();
        // Same sender, recipients and plaintext: only the header differs.
        let p3 = c.sealed_parts(cfg, &to, &pt1);
        assert_eq!(
            (&p3.sender_block, &p3.chunks),
            (&p1.sender_block, &p1.chunks)
        );

        report.genuine(&[&pt1, &pt2]);
        let f = edited(&p1, |p| {
            p.signature = p2.signature.clone();
            p.checkpoints = p2.checkpoints.clone();
        });
        report.forged("signatures of an envelope with another plaintext", &f);
        let f = edited(&p1, |p| {
            p.signature = p3.signature.clone();
            p.checkpoints = p3.checkpoints.clone();
        });
        report.forged("signatures of an envelope with the same plaintext", &f);
        let f = edited(&p1, |p| p.checkpoints = p3.checkpoints.clone());
        report.forged("checkpoints of an envelope with the same plaintext", &f);
        // Without the content key of the first, the sealed block fails its tag.
        let raw = [&env1[..env1.len() - 80], &env2[env2.len() - 80..]].concat();
        report.expect(
            &c.carol,
            "sealed signature block moved as is",
            &raw,
            b"",
            "PayloadTampered",
        );
    }
    report.finish(4 * CONFIGS.len());
}

/// (d) Bob splices two envelopes from Alice to Bob and Carol: header and
/// sender block of one, payload (re-encrypted) and/or signature of the other.
#[test]
fn d_bob_splices_two_envelopes() {
    let c = cast();
    let mut report = Report::new(&c);
    for cfg in CONFIGS {
        report.config(cfg);
        let to = [&c.bob, &c.carol];
        let (pt1, pt2) = (bytes(1, LEN), bytes(2, 3 * CHUNK as usize));
        let env1 = c.seal(cfg, &to, &pt1, b"");
        let env2 = c.seal(cfg, &to, &pt2, b"");
        let p1 = Parts::open(&c.bob, &env1, b"").unwrap();
        let p2 = Parts::open(&c.bob, &env2, b"").unwrap();
        // The recipients in the other order, the same plaintext.
        let p4 = c.sealed_parts(cfg, &[&c.carol, &c.bob], &pt1);
        report.genuine(&[&pt1, &pt2]);

        let f = edited(&p1, |p| p.chunks = p2.chunks.clone());
        report.forged("header, sender block, signature of 1; payload of 2", &f);
        let f = edited(&p1, |p| {
            p.chunks = p2.chunks.clone();
            p.checkpoints = p2.checkpoints.clone();
            p.signature = p2.signature.clone();
        });
        report.forged("header, sender block of 1; payload, signature of 2", &f);
        let f = edited(&p2, |p| {
            p.chunks = p1.chunks.clone();
            p.checkpoints = p1.checkpoints.clone();
            p.signature = p1.signature.clone();
        });
        report.forged("header, sender block of 2; payload, signature of 1", &f);
        let f = edited(&p1, |p| {
            p.sender_block = p4.sender_block.clone();
            p.chunks = p4.chunks.clone();
            p.checkpoints = p4.checkpoints.clone();
            p.signature = p4.signature.clone();
        });
        report.forged("header of 1; sender block, payload, signature of 4", &f);

        // The naive splices, without re-encryption, fail their tags.
        let (l1, l2) = (Layout::parse(&env1), Layout::parse(&env2));
        let raw = [
            &env1[..l1.sender_block.end],
            &env2[l2.payload()],
            &env1[l1.signature],
        ];
        report.expect(
            &c.carol,
            "raw payload of 2",
            &raw.concat(),
            b"",
            "PayloadTampered",
        );
        let raw = [&env1[l1.header], &env2[l2.header.end..]].concat();
        report.expect(
            &c.carol,
            "header of 1, the rest of 2",
            &raw,
            b"",
            "HeaderTampered",
        );
    }
    report.finish(6 * CONFIGS.len());
}

/// Associated data: Bob forges under the aad Alice used, or moves the
/// envelope to another aad (he knows the content key, so he can re-derive
/// every key under any aad).
#[test]
fn bob_forges_under_associated_data() {
    let c = cast();
    let mut report = Report::new(&c);
    let aad = b"ticket #42";
    for cipher in [PayloadCipher::ChaCha20Poly1305, PayloadCipher::Aes256Gcm] {
        report.config((cipher, false));
        let env = c.seal(
            (cipher, false),
            &[&c.bob, &c.carol, &c.erin],
            &bytes(1, LEN),
            aad,
        );
        let orig = Parts::open(&c.bob, &env, aad).unwrap();
        report.genuine(&[&orig.plaintext()]);
        let at = POSITIONS[1].1;
        let f = edited(&orig, |p| p.chunks[at] = own(&p.chunks[at]));
        report.forged("middle chunk replaced, same aad", &f);
        let f = edited(&orig, |p| p.set_fingerprints(swap(p.fingerprints(), 0, 1)));
        report.forged("fingerprints swapped, same aad", &f);
        let f = edited(&orig, |p| p.aad = b"ticket #43".to_vec());
        report.forged("everything moved to another aad", &f);
        let f = edited(&orig, |p| p.aad.clear());
        report.forged("everything moved to no aad", &f);
        report.expect(
            &c.carol,
            "opened with another aad",
            &env,
            b"ticket #43",
            "HeaderTampered",
        );
        report.expect(
            &c.carol,
            "opened without the aad",
            &env,
            b"",
            "HeaderTampered",
        );
    }
    report.finish(12);
}

/// One key, one purpose: Bob gets Alice's application to sign, with the
/// public `Identity::sign`, exactly the bytes an envelope "from Alice" needs
/// — its final message and its checkpoint messages — under any context. The
/// forgery still fails: a public signature is made under its own domain
/// label and never verifies as an envelope signature. (The control shows the
/// forgery is otherwise perfect: signed raw, as an envelope is, it opens as
/// Alice's.)
#[test]
fn alices_application_signatures_never_sign_an_envelope() {
    let c = cast();
    let mut report = Report::new(&c);
    let mut controls = 0;
    for cfg in CONFIGS {
        report.config(cfg);
        let orig = c.sealed_parts(cfg, &[&c.bob, &c.carol], &bytes(1, LEN));
        report.genuine(&[&orig.plaintext()]);
        for context in [&b""[..], b"doormat/v1", b"receipts"] {
            let mut f = edited(&orig, |p| p.set_plaintext(b"Alice owes Bob 1000 euros"));
            f.checkpoints = (1..=f.checkpoint_count())
                .map(|k| c.alice.sign(context, &f.checkpoint_message(k)).to_vec())
                .collect();
            f.signature = c.alice.sign(context, &f.signed_message()).to_vec();
            report.forged(
                &format!("Alice's application signed it, context {context:?}"),
                &f,
            );
        }
        // The same forgery signed raw (as the key signs envelopes) opens as
        // Alice's: the domain label is what stops it.
        let mut raw = edited(&orig, |p| p.set_plaintext(b"Alice owes Bob 1000 euros"));
        raw.signature = kit::raw_sign(&c.alice, &raw.signed_message()).to_vec();
        let opened = e2e::open(&c.carol, &raw.seal()).unwrap();
        assert_eq!(opened.sender(), &c.alice.public());
        assert_eq!(opened.plaintext(), b"Alice owes Bob 1000 euros");
        controls += 1;
    }
    assert_eq!(controls, CONFIGS.len());
    report.finish(3 * CONFIGS.len());
}
