//! Post-quantum (X-Wing) keys through every command: keys, sealing and
//! opening, mixed recipients, escrow to either kind of authority key, split
//! custody, and what `inspect` shows and measures.

mod common;

use common::{noise, stderr, stdout, Desk};
use doormat::e2e::{self, Header};
use doormat::keys::{Identity, Kem, PublicIdentity};
use predicates::prelude::*;

const USAGE: i32 = 1;
const INVALID: i32 = 4;

/// The key on the one key line of a file the tool wrote.
fn key_in<T: std::str::FromStr>(desk: &Desk, name: &str) -> T
where
    T::Err: std::fmt::Debug,
{
    let text = desk.read_text(name);
    let line = text
        .lines()
        .find(|l| l.starts_with("doormat-"))
        .unwrap_or_else(|| panic!("{name} holds a key"));
    line.parse().unwrap()
}

/// The fingerprint `doormat fingerprint` prints for `arg`, trimmed.
fn fingerprint(desk: &Desk, arg: &str) -> String {
    stdout(&desk.doormat(&format!("fingerprint {arg}")).success())
        .trim()
        .to_string()
}

/// The value of the `inspect` line that starts with `label`.
fn line<'a>(shown: &'a str, label: &str) -> &'a str {
    shown
        .lines()
        .find(|l| l.starts_with(label))
        .unwrap_or_else(|| panic!("no `{label}` line in:\n{shown}"))
}

#[test]
fn keygen_post_quantum_writes_x_wing_keys_and_says_so() {
    let desk = Desk::new();
    let public = desk.pq_user("alice");
    assert!(public.starts_with("doormat-public-pq-1"), "{public}");
    let file = desk.read_text("alice.key");
    assert!(file.contains("# kind: post-quantum (X-Wing)\n"), "{file}");
    assert!(file.contains(&format!("# public key: {public}\n")));
    assert!(file.lines().any(|l| l.starts_with("doormat-secret-pq-1")));
    let id: Identity = key_in(&desk, "alice.key");
    assert_eq!(id.kem(), Kem::XWing);

    // The classical default says its kind too.
    desk.user("bob");
    assert!(desk
        .read_text("bob.key")
        .contains("# kind: classical (X25519)\n"));

    // `public` and `fingerprint` read the post-quantum forms.
    desk.doormat("public alice.key")
        .success()
        .stdout(format!("{public}\n"));
    let fp = fingerprint(&desk, "alice.pub");
    assert_eq!(fp, fingerprint(&desk, "alice.key"));
    assert_eq!(fp, fingerprint(&desk, &public));
    assert_eq!(
        fp,
        key_in::<PublicIdentity>(&desk, "alice.pub")
            .fingerprint()
            .to_string()
    );

    // Without -o: the key file on standard output, the public key on
    // standard error.
    let out = desk.doormat("keygen --post-quantum").success();
    assert!(stdout(&out).contains("doormat-secret-pq-1"));
    assert!(stderr(&out).starts_with("public key: doormat-public-pq-1"));
}

#[test]
fn escrow_keygen_post_quantum_and_family_refuses_the_flag() {
    let desk = Desk::new();
    let key = desk.pq_authority("teacher");
    assert!(key.starts_with("doormat-escrow-pq-1"), "{key}");
    let file = desk.read_text("teacher.key");
    assert!(file.contains("# kind: post-quantum (X-Wing)\n"), "{file}");
    assert!(file
        .lines()
        .any(|l| l.starts_with("doormat-escrow-secret-pq-1")));
    desk.doormat("escrow public teacher.key")
        .success()
        .stdout(format!("{key}\n"));
    assert_eq!(
        fingerprint(&desk, "teacher.key"),
        fingerprint(&desk, "teacher.pub")
    );
    // A family key has no KEM.
    desk.doormat("escrow family --post-quantum -o family.key")
        .code(USAGE)
        .stderr(predicate::str::contains("--post-quantum"));
    assert!(!desk.path("family.key").exists());
}

#[test]
fn safety_numbers_work_across_kinds() {
    let desk = Desk::new();
    desk.pq_user("alice");
    desk.user("bob");
    let ab = stdout(&desk.doormat("safety-number alice.key bob.pub").success());
    let ba = stdout(&desk.doormat("safety-number bob.pub alice.pub").success());
    assert_eq!(ab, ba);
    assert_eq!(ab.split_whitespace().count(), 12, "{ab}");
}

#[test]
fn post_quantum_seal_and_open_round_trip_binary_and_armored() {
    let desk = Desk::new();
    desk.pq_user("alice");
    desk.pq_user("bob");
    desk.pq_user("carol");
    let message = noise(200_000, 7);
    desk.write("msg.bin", &message);

    desk.doormat("seal -i alice.key -R bob.pub msg.bin -o msg.dm")
        .success()
        .stderr("");
    let header = Header::parse(&desk.read("msg.dm")).unwrap();
    assert_eq!(header.stanza_kem(0), Some(Kem::XWing));
    let out = desk.doormat("open -i bob.key msg.dm -o msg.out").success();
    assert_eq!(desk.read("msg.out"), message);
    let report = stderr(&out);
    let (fp_alice, fp_bob) = (
        fingerprint(&desk, "alice.pub"),
        fingerprint(&desk, "bob.pub"),
    );
    assert!(
        report.contains(&format!("from: {fp_alice}, signature verified")),
        "{report}"
    );
    assert!(report.contains(&format!("to: {fp_bob} (you)")), "{report}");
    // Not carol's.
    desk.doormat("open -i carol.key msg.dm")
        .code(3)
        .stderr(predicate::str::contains("not a recipient"));

    // Armored, and opened only by the expected sender.
    desk.doormat("seal -a -i alice.key -R bob.pub msg.bin -o msg.asc")
        .success();
    assert!(desk
        .read_text("msg.asc")
        .starts_with("-----BEGIN DOORMAT ENVELOPE-----\n"));
    desk.doormat("open -i bob.key --expect-sender ./alice.pub msg.asc -o armored.out")
        .success();
    assert_eq!(desk.read("armored.out"), message);
    desk.doormat("open -i bob.key --expect-sender ./carol.pub msg.asc")
        .code(3)
        .stderr(predicate::str::contains("another sender"));
    desk.assert_no_temporary_files();
}

#[test]
fn mixed_recipients_are_refused_unless_allowed() {
    let desk = Desk::new();
    desk.pq_user("alice");
    desk.pq_user("bob");
    let carol = desk.user("carol");
    desk.write("msg.txt", b"mixed company");
    desk.write("contacts.txt", format!("{carol} carol\n").as_bytes());

    let refused = desk
        .doormat("--contacts contacts.txt seal -i alice.key -R bob.pub -r carol -o msg.dm msg.txt")
        .code(USAGE);
    let why = stderr(&refused);
    assert!(why.starts_with("doormat: error: "), "{why}");
    assert!(why.contains("future quantum computer"), "{why}");
    assert!(why.contains("--allow-mixed-kems"), "{why}");
    // It names the classical recipient.
    assert!(why.contains("(classical: carol ("), "{why}");
    assert!(!desk.path("msg.dm").exists());
    desk.assert_no_temporary_files();

    let allowed = desk
        .doormat("seal -i alice.key -R bob.pub -R carol.pub --allow-mixed-kems -o msg.dm msg.txt")
        .success();
    let warning = stderr(&allowed);
    assert!(
        warning.starts_with("warning: --allow-mixed-kems: 1 of 2 recipients"),
        "{warning}"
    );
    for who in ["bob", "carol"] {
        desk.doormat(&format!("open -i {who}.key msg.dm"))
            .success()
            .stdout("mixed company");
    }
    let shown = stdout(&desk.doormat("inspect msg.dm").success());
    assert_eq!(
        line(&shown, "stanzas:"),
        "stanzas:      1 X-Wing (post-quantum) and 1 X25519 (classical), mixed, \
         each marked with its kind: X-Wing X25519"
    );
    assert!(
        line(&shown, "post-quantum:").starts_with("post-quantum: no: 1 of 2 stanzas is classical"),
        "{shown}"
    );

    // The flag changes nothing for recipients of one kind: no warning.
    desk.doormat("seal -i alice.key -R bob.pub --allow-mixed-kems -o pq.dm msg.txt")
        .success()
        .stderr("");
}

#[test]
fn a_post_quantum_authority_opens_and_its_clients_comply() {
    let desk = Desk::new();
    desk.pq_user("alice");
    desk.pq_user("bob");
    let teacher = desk.pq_authority("teacher");
    desk.write(
        "contacts.txt",
        format!("{teacher} the teacher\n").as_bytes(),
    );
    desk.write("msg.txt", b"the answer is 42");
    // Post-quantum recipients, post-quantum field: no warning.
    desk.doormat(
        "escrow seal -i alice.key -R bob.pub --escrow-key teacher.pub -a -o msg.asc msg.txt",
    )
    .success()
    .stderr("");
    let fp_teacher = fingerprint(&desk, "teacher.pub");
    let out = desk
        .doormat("authority open -k teacher.key msg.asc")
        .success()
        .stdout("the answer is 42");
    assert!(
        stderr(&out).contains(&format!("from: {}", fingerprint(&desk, "alice.pub"))),
        "{}",
        stderr(&out)
    );
    for policy in ["recompute", "clipper16"] {
        desk.doormat(&format!(
            "escrow open -i bob.key --authority teacher.pub --policy {policy} msg.asc"
        ))
        .success()
        .stdout("the answer is 42");
    }
    // A plain client names the authority from its post-quantum field.
    desk.doormat("open -i bob.key msg.asc")
        .success()
        .stderr(predicate::str::contains(format!(
            "escrowed to: {fp_teacher}: whoever holds that key reads this too"
        )));
    let shown = stdout(
        &desk
            .doormat("--contacts contacts.txt inspect msg.asc")
            .success(),
    );
    assert!(
        shown.contains("escrowed:     yes, to authority the teacher ("),
        "{shown}"
    );
    assert_eq!(
        line(&shown, "post-quantum:"),
        "post-quantum: yes: every stanza is X-Wing, and so is the escrow access field"
    );
    // A client pinned to a classical authority refuses it.
    desk.authority("other");
    desk.doormat("escrow open -i bob.key --authority other.pub msg.asc")
        .code(5);
}

#[test]
fn a_classical_field_for_post_quantum_recipients_is_sealed_with_a_warning() {
    let desk = Desk::new();
    desk.pq_user("alice");
    desk.pq_user("bob");
    desk.user("carol");
    desk.authority("teacher");
    desk.write("msg.txt", b"recorded today");
    let sealed = desk
        .doormat("escrow seal -i alice.key -R bob.pub --escrow-key teacher.pub -o msg.dm msg.txt")
        .success();
    let warning = stderr(&sealed);
    assert!(
        warning.starts_with(&format!(
            "warning: the escrow key {} is classical (X25519)",
            fingerprint(&desk, "teacher.pub")
        )),
        "{warning}"
    );
    assert!(
        warning.contains("readable by a future quantum computer"),
        "{warning}"
    );
    // Still sealed: for bob, and for the authority.
    desk.doormat("escrow open -i bob.key --authority teacher.pub msg.dm")
        .success()
        .stdout("recorded today");
    desk.doormat("authority open -k teacher.key msg.dm")
        .success()
        .stdout("recorded today");
    let shown = stdout(&desk.doormat("inspect msg.dm").success());
    assert_eq!(
        line(&shown, "post-quantum:"),
        "post-quantum: no: the escrow access field is classical (X25519): a future quantum \
         computer that records this envelope reads it"
    );

    // Classical recipients lose nothing to a classical field: no warning.
    desk.doormat("escrow seal -i alice.key -R carol.pub --escrow-key teacher.pub -o c.dm msg.txt")
        .success()
        .stderr("");
}

#[test]
fn a_post_quantum_authority_key_splits_and_recovers() {
    let desk = Desk::new();
    desk.pq_user("alice");
    desk.pq_user("bob");
    desk.pq_authority("teacher");
    desk.doormat("authority split -k teacher.key -n 3 --out-dir shares")
        .success()
        .stderr(predicate::str::contains(
            "split the post-quantum (X-Wing) key of authority",
        ))
        .stderr(predicate::str::contains("into 3 shares; any 2 rebuild it"));
    desk.write("msg.txt", b"custody");
    desk.doormat("escrow seal -i alice.key -R bob.pub --escrow-key teacher.pub -o msg.dm msg.txt")
        .success();
    let original = fingerprint(&desk, "teacher.key");
    for (a, b) in [(1, 2), (3, 1)] {
        let out = format!("rebuilt-{a}{b}.key");
        desk.doormat(&format!(
            "authority recover shares/share-{a}.key shares/share-{b}.key -o {out}"
        ))
        .success()
        .stdout(desk.read_text("teacher.pub"))
        .stderr(predicate::str::contains(
            "rebuilt the post-quantum (X-Wing) key of authority",
        ));
        let rebuilt = desk.read_text(&out);
        assert!(
            rebuilt.contains("# kind: post-quantum (X-Wing)\n"),
            "{rebuilt}"
        );
        assert!(rebuilt
            .lines()
            .any(|l| l.starts_with("doormat-escrow-secret-pq-1")));
        assert_eq!(fingerprint(&desk, &out), original);
        desk.doormat(&format!("authority open -k {out} msg.dm"))
            .success()
            .stdout("custody");
    }
    // One share is not enough.
    desk.doormat("authority recover shares/share-2.key")
        .code(3)
        .stderr(predicate::str::contains("need 2 key shares"));
}

#[test]
fn inspect_measures_post_quantum_envelopes_exactly() {
    let desk = Desk::new();
    desk.pq_user("alice");
    for who in ["bob", "carol", "dave"] {
        desk.pq_user(who);
    }
    desk.user("erin");
    let message = noise(100_000, 9);
    desk.write("msg.bin", &message);
    // (envelope, recipients, sealed sender block: the wide slot of 1,250
    // bytes, 32 a recipient, a 16-byte tag)
    desk.doormat("seal -i alice.key -R bob.pub -R carol.pub -R dave.pub -o three.dm msg.bin")
        .success();
    // A post-quantum sender to a classical recipient: classical stanzas,
    // the wide slot all the same.
    desk.doormat("seal -i alice.key -R erin.pub -o to-erin.dm msg.bin")
        .success();
    // And the classical envelope it replaces: the narrow slot.
    desk.doormat("seal -i erin.key -R erin.pub -o classical.dm msg.bin")
        .success();
    for (name, n, sender_block, stanzas) in [
        ("three.dm", 3, 1250 + 3 * 32 + 16, "3 X-Wing (post-quantum)"),
        ("to-erin.dm", 1, 1250 + 32 + 16, "1 X25519 (classical)"),
        ("classical.dm", 1, 64 + 32 + 16, "1 X25519 (classical)"),
    ] {
        let shown = stdout(&desk.doormat(&format!("inspect {name}")).success());
        let size = std::fs::metadata(desk.path(name)).unwrap().len();
        let header = Header::parse(&desk.read(name)).unwrap().as_bytes().len();
        let payload = size as usize - header - sender_block - 80;
        assert_eq!(
            line(&shown, "size:"),
            format!(
                "size:         {size} bytes: header {header}, sealed sender block \
                 {sender_block}, payload {payload}, signature block 80"
            ),
            "{name}"
        );
        assert!(
            shown.contains("plaintext:    100000 bytes, in 2 chunks and 0 checkpoints"),
            "{name}: {shown}"
        );
        assert_eq!(line(&shown, "stanzas:"), format!("stanzas:      {stanzas}"));
        assert!(shown.contains(&format!("recipients:   {n}, not named")));
        assert_eq!(
            shown.contains("sender:       in the wide slot (1250 bytes)"),
            name != "classical.dm",
            "{name}: {shown}"
        );
    }
    // The library's own arithmetic agrees on the all-X-Wing envelope.
    let size = std::fs::metadata(desk.path("three.dm")).unwrap().len() as usize;
    assert_eq!(
        size,
        e2e::overhead_post_quantum(3, false) + 100_000 + 2 * 16,
        "overhead_post_quantum"
    );

    // Fifteen payload bytes are no payload (a chunk is at least its 16-byte
    // tag): with the wide slot counted, the arithmetic says so. With a
    // narrow slot it would have found 1,201 bytes of payload instead.
    let envelope = desk.read("three.dm");
    let header = Header::parse(&envelope).unwrap().as_bytes().len();
    desk.write("short.dm", &envelope[..header + 1362 + 15 + 80]);
    desk.doormat("inspect short.dm")
        .code(INVALID)
        .stdout(predicate::str::contains("payload 15, signature block 80"))
        .stdout(predicate::str::contains("plaintext:    unknown"))
        .stderr(predicate::str::contains("truncated"));
}

#[test]
fn inspect_finds_key_ids_in_post_quantum_and_mixed_stanzas() {
    let desk = Desk::new();
    desk.pq_user("alice");
    desk.pq_user("bob");
    desk.user("carol");
    desk.write("msg.txt", b"ids");
    // A key id depends only on the recipient's key, so each recipient's id
    // is the same wherever its stanza sits.
    let ids = |line: &str| -> Vec<String> {
        desk.doormat(&format!(
            "seal -i alice.key {line} --key-ids --force -o x.dm msg.txt"
        ))
        .success();
        let shown = stdout(&desk.doormat("inspect x.dm").success());
        line_ids(&shown)
    };
    let bob = ids("-R bob.pub");
    let carol = ids("-R carol.pub");
    assert_eq!(bob.len(), 1);
    assert_eq!(carol.len(), 1);
    assert_ne!(bob, carol);
    let mixed = ids("-R bob.pub -R carol.pub --allow-mixed-kems");
    assert_eq!(mixed, [bob[0].clone(), carol[0].clone()]);
    let swapped = ids("-R carol.pub -R bob.pub --allow-mixed-kems");
    assert_eq!(swapped, [carol[0].clone(), bob[0].clone()]);
    // Each recipient still opens it.
    for who in ["bob", "carol"] {
        desk.doormat(&format!("open -i {who}.key x.dm"))
            .success()
            .stdout("ids");
    }
}

/// The key ids an `inspect` prints, each 16 hex digits.
fn line_ids(shown: &str) -> Vec<String> {
    let ids: Vec<String> = line(shown, "key ids:")["key ids:".len()..]
        .split_whitespace()
        .map(String::from)
        .collect();
    assert!(
        ids.iter()
            .all(|id| id.len() == 16 && id.bytes().all(|b| b.is_ascii_hexdigit())),
        "{ids:?}"
    );
    ids
}

#[test]
fn post_quantum_keys_of_the_wrong_kind_are_refused_by_name() {
    let desk = Desk::new();
    desk.pq_user("alice");
    desk.pq_user("bob");
    desk.pq_authority("teacher");
    desk.write("msg.txt", b"hi");
    desk.doormat("escrow seal -i alice.key -R bob.pub --escrow-key teacher.pub -o e.dm msg.txt")
        .success();
    let fails = |line: &str, what: &str| {
        desk.doormat(line)
            .code(USAGE)
            .stderr(predicate::str::starts_with("doormat: error: "))
            .stderr(predicate::str::contains(what));
    };
    fails(
        "open -i bob.pub e.dm",
        "bob.pub line 1 is a public key, but a secret identity is needed here",
    );
    fails(
        "seal -i alice.key -R bob.key msg.txt",
        "is a secret identity, but a public key is needed",
    );
    fails(
        "authority open -k teacher.pub e.dm",
        "is an escrow authority's public key",
    );
    fails(
        "escrow seal -i alice.key -R bob.pub --escrow-key teacher.key msg.txt",
        "is an escrow authority's secret key",
    );
    fails(
        "seal -i alice.key -R teacher.pub msg.txt",
        "holds only escrow keys",
    );
    let mut cut = desk.read_text("bob.pub");
    cut.truncate(60);
    desk.write("cut.pub", cut.as_bytes());
    fails(
        "seal -i alice.key -R cut.pub msg.txt",
        "cut.pub line 1: the key is cut short or too long",
    );
}

#[test]
fn the_library_opens_what_the_tool_seals_to_post_quantum_keys() {
    let desk = Desk::new();
    desk.pq_user("alice");
    desk.pq_user("bob");
    let message = noise(70_000, 3);
    desk.write("msg.bin", &message);
    desk.doormat("seal -i alice.key -R bob.pub -o msg.dm msg.bin")
        .success();
    let bob: Identity = key_in(&desk, "bob.key");
    let alice: PublicIdentity = key_in(&desk, "alice.pub");
    assert_eq!(alice.kem(), Kem::XWing);
    let opened = e2e::open(&bob, &desk.read("msg.dm")).unwrap();
    assert_eq!(opened.plaintext(), &message[..]);
    assert_eq!(opened.sender(), &alice);
    assert!(opened.header().is_post_quantum());

    // And the other way: the library seals, the tool opens.
    let sender = Identity::generate_post_quantum();
    let envelope = e2e::seal(&sender, &[bob.public()], b"from the library").unwrap();
    desk.write("lib.dm", &envelope);
    desk.doormat("open -i bob.key lib.dm")
        .success()
        .stdout("from the library");
}

#[test]
fn a_post_quantum_recipient_is_warned_of_classical_stanzas() {
    let desk = Desk::new();
    desk.pq_user("alice");
    desk.pq_user("bob");
    desk.user("carol");
    desk.authority("teacher");
    desk.write("msg.txt", b"mixed company");
    desk.doormat(
        "seal -i alice.key -R bob.pub -R carol.pub --allow-mixed-kems -o mixed.dm msg.txt",
    )
    .success();
    desk.doormat("seal -i alice.key -R bob.pub -o pq.dm msg.txt")
        .success();
    desk.doormat(
        "escrow seal -i alice.key -R bob.pub -R carol.pub --allow-mixed-kems \
         --escrow-key teacher.pub -o escrowed.dm msg.txt",
    )
    .success();
    let warning = "warning: 1 of 2 stanzas of this envelope is classical (X25519)";
    // Whoever opens with a post-quantum key learns that it did not protect
    // this envelope; one line, on standard error, the plaintext untouched.
    for line in [
        "open -i bob.key mixed.dm",
        "escrow open -i bob.key --authority ./teacher.pub escrowed.dm",
    ] {
        let out = desk.doormat(line).success().stdout("mixed company");
        let said = stderr(&out);
        assert_eq!(said.matches(warning).count(), 1, "{line}: {said}");
        assert!(said.contains("future quantum computer"), "{line}: {said}");
    }
    // Not for an envelope of post-quantum stanzas only, nor for a classical
    // recipient, whose key was never post-quantum.
    for line in ["open -i bob.key pq.dm", "open -i carol.key mixed.dm"] {
        desk.doormat(line)
            .success()
            .stderr(predicate::str::contains("warning").not());
    }
}
