//! Every command's success path, run as a process.

mod common;

use common::{noise, stderr, stdout, Desk};
use predicates::prelude::*;

#[cfg(unix)]
fn mode(desk: &Desk, name: &str) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(desk.path(name))
        .unwrap()
        .permissions()
        .mode()
        & 0o777
}

#[test]
fn keygen_writes_an_owner_only_secret_and_prints_the_public_key() {
    let desk = Desk::new();
    let public = desk.user("alice");
    assert!(public.starts_with("doormat-public-1"), "{public}");
    let file = desk.read_text("alice.key");
    assert!(file.lines().any(|l| l.starts_with("doormat-secret-1")));
    assert!(file.contains(&format!("# public key: {public}")));
    #[cfg(unix)]
    assert_eq!(mode(&desk, "alice.key"), 0o600);

    // Without -o: the key file on standard output, the public key on
    // standard error.
    let out = desk.doormat("keygen").success();
    assert!(stdout(&out).contains("doormat-secret-1"));
    assert!(stderr(&out).starts_with("public key: doormat-public-1"));
}

#[test]
fn public_gives_back_the_public_key_from_a_file_or_standard_input() {
    let desk = Desk::new();
    let public = desk.user("alice");
    desk.doormat("public alice.key")
        .success()
        .stdout(format!("{public}\n"));
    desk.cmd(&["public"])
        .write_stdin(desk.read("alice.key"))
        .assert()
        .success()
        .stdout(format!("{public}\n"));
}

#[test]
fn fingerprints_agree_between_secret_and_public_forms() {
    let desk = Desk::new();
    let public = desk.user("alice");
    desk.authority("teacher");
    let of = |arg: &str| stdout(&desk.doormat(&format!("fingerprint {arg}")).success());
    let fp = of("alice.pub");
    assert_eq!(fp, of("alice.key"));
    assert_eq!(fp, of(&public));
    // Eight groups of four hex digits.
    let groups: Vec<&str> = fp.split_whitespace().collect();
    assert_eq!(groups.len(), 8, "{fp}");
    assert!(groups.iter().all(|g| g.len() == 4));
    assert_eq!(of("teacher.pub"), of("teacher.key"));
    assert_ne!(of("teacher.pub"), fp);
}

#[test]
fn safety_numbers_are_symmetric() {
    let desk = Desk::new();
    desk.user("alice");
    desk.user("bob");
    let ab = stdout(&desk.doormat("safety-number alice.key bob.pub").success());
    let ba = stdout(&desk.doormat("safety-number bob.pub alice.pub").success());
    assert_eq!(ab, ba);
    let groups: Vec<&str> = ab.split_whitespace().collect();
    assert_eq!(groups.len(), 12, "{ab}");
    assert!(groups
        .iter()
        .all(|g| g.len() == 5 && g.bytes().all(|b| b.is_ascii_digit())));
}

#[test]
fn seal_and_open_round_trip_through_files_and_pipes() {
    let desk = Desk::new();
    desk.user("alice");
    desk.user("bob");
    let message = noise(200_000, 1);
    desk.write("msg.bin", &message);

    desk.doormat("seal -i alice.key -R bob.pub msg.bin -o msg.dm")
        .success()
        .stdout("");
    assert!(desk.read("msg.dm").starts_with(doormat::e2e::MAGIC));
    let out = desk.doormat("open -i bob.key msg.dm -o msg.out").success();
    assert_eq!(desk.read("msg.out"), message);
    let fp_alice = stdout(&desk.doormat("fingerprint alice.pub").success());
    let fp_bob = stdout(&desk.doormat("fingerprint bob.pub").success());
    let report = stderr(&out);
    assert!(
        report.contains(&format!("from: {}, signature verified", fp_alice.trim())),
        "{report}"
    );
    assert!(
        report.contains(&format!("to: {} (you)", fp_bob.trim())),
        "{report}"
    );

    // Standard input to standard output, both ways.
    let sealed = desk
        .cmd(&["seal", "-i", "alice.key", "-R", "bob.pub"])
        .write_stdin(message.clone())
        .assert()
        .success();
    desk.cmd(&["open", "-i", "bob.key", "-"])
        .write_stdin(sealed.get_output().stdout.clone())
        .assert()
        .success()
        .stdout(predicate::eq(message));
    desk.assert_no_temporary_files();
}

#[test]
fn seal_options_show_in_the_header() {
    let desk = Desk::new();
    let alice = desk.user("alice");
    desk.user("bob");
    desk.write("msg.txt", b"hello");
    desk.doormat(&format!(
        "seal -i alice.key -r {alice} -R bob.pub --cipher aes256gcm --key-ids -o msg.dm msg.txt"
    ))
    .success();
    let shown = stdout(&desk.doormat("inspect msg.dm").success());
    assert!(shown.contains("AES-256-GCM (suite 0x0002)"), "{shown}");
    assert!(
        shown.contains("recipients:   2, marked with key ids"),
        "{shown}"
    );
    let ids = shown.lines().find(|l| l.starts_with("key ids:")).unwrap();
    assert_eq!(ids.split_whitespace().count(), 4, "{ids}");
    for who in ["alice", "bob"] {
        desk.doormat(&format!("open -i {who}.key msg.dm"))
            .success()
            .stdout("hello");
    }
}

#[test]
fn armored_envelopes_open_like_binary_ones() {
    let desk = Desk::new();
    desk.user("alice");
    desk.user("bob");
    desk.write("msg.txt", b"meet at noon\n");
    let out = desk
        .doormat("seal -a -i alice.key -R bob.pub msg.txt")
        .success();
    let text = stdout(&out);
    assert!(text.starts_with("-----BEGIN DOORMAT ENVELOPE-----\n"));
    assert!(text.ends_with("-----END DOORMAT ENVELOPE-----\n"));
    desk.write("msg.txt.asc", text.as_bytes());
    desk.doormat("open -i bob.key msg.txt.asc")
        .success()
        .stdout("meet at noon\n");
    let shown = stdout(&desk.doormat("inspect msg.txt.asc").success());
    assert!(shown.contains("armored"), "{shown}");
    assert!(shown.contains("plaintext:    13 bytes, in 1 chunk and 0 checkpoints"));
}

#[test]
fn contacts_name_recipients_and_senders() {
    let desk = Desk::new();
    let alice = desk.user("alice");
    let bob = desk.user("bob");
    let teacher = desk.authority("teacher");
    desk.write(
        "contacts.txt",
        format!("# the class\n{alice} alice\n{bob}  bob\n{teacher} the teacher\n").as_bytes(),
    );
    desk.write("msg.txt", b"hi bob");
    let with = |args: &[&str]| {
        let mut all = vec!["--contacts", "contacts.txt"];
        all.extend_from_slice(args);
        desk.run(&all)
    };
    with(&[
        "escrow",
        "seal",
        "-i",
        "alice.key",
        "-r",
        "bob",
        "--escrow-key",
        "teacher.pub",
        "-o",
        "msg.dm",
        "msg.txt",
    ])
    .success();
    let out = with(&["open", "-i", "bob.key", "msg.dm"])
        .success()
        .stdout("hi bob");
    let report = stderr(&out);
    assert!(report.contains("from: alice ("), "{report}");
    assert!(report.contains("to: bob ("), "{report}");
    assert!(report.contains("escrowed to: the teacher ("), "{report}");
    let shown = stdout(&with(&["inspect", "msg.dm"]).success());
    assert!(shown.contains("yes, to authority the teacher ("), "{shown}");

    // A contacts file is a recipients file: the whole class, not the
    // authority it also names.
    desk.doormat("seal -i alice.key -R contacts.txt -o class.dm msg.txt")
        .success();
    let shown = stdout(&desk.doormat("inspect class.dm").success());
    assert!(shown.contains("recipients:   2,"), "{shown}");

    // The environment variable works as the flag does.
    desk.cmd(&["open", "-i", "bob.key", "msg.dm"])
        .env("DOORMAT_CONTACTS", "contacts.txt")
        .assert()
        .success()
        .stderr(predicate::str::contains("from: alice ("));
}

#[test]
fn inspect_tells_clean_from_escrowed_and_names_the_authority() {
    let desk = Desk::new();
    desk.user("alice");
    desk.user("bob");
    desk.authority("teacher");
    desk.write("msg.bin", &noise(10 << 20, 2));
    desk.doormat("seal -i alice.key -R bob.pub -o clean.dm msg.bin")
        .success();
    desk.doormat(
        "escrow seal -i alice.key -R bob.pub --escrow-key teacher.pub -o escrowed.dm msg.bin",
    )
    .success();

    let clean = stdout(&desk.doormat("inspect clean.dm").success());
    assert!(clean.contains("escrowed:     no"), "{clean}");
    assert!(clean.contains("extensions:   0"), "{clean}");
    assert!(clean.contains("recipients:   1, not named"), "{clean}");
    // 10 MiB in 64 KiB chunks, a checkpoint every 4 MiB.
    assert!(
        clean.contains("plaintext:    10485760 bytes, in 160 chunks and 2 checkpoints"),
        "{clean}"
    );
    let size = std::fs::metadata(desk.path("clean.dm")).unwrap().len();
    assert!(
        clean.contains(&format!("size:         {size} bytes")),
        "{clean}"
    );

    let escrowed = stdout(&desk.doormat("inspect escrowed.dm").success());
    let fp = stdout(&desk.doormat("fingerprint teacher.pub").success());
    assert!(
        escrowed.contains(&format!("escrowed:     yes, to authority {}", fp.trim())),
        "{escrowed}"
    );
    assert!(escrowed.contains("0x4c46 \"LF\": 146 bytes, escrow access field"));
}

#[test]
fn escrow_keys_seal_and_compliant_clients_open() {
    let desk = Desk::new();
    desk.user("alice");
    desk.user("bob");
    let escrow_key = desk.authority("teacher");
    assert!(escrow_key.starts_with("doormat-escrow-1"));
    #[cfg(unix)]
    assert_eq!(mode(&desk, "teacher.key"), 0o600);
    desk.doormat("escrow public teacher.key")
        .success()
        .stdout(format!("{escrow_key}\n"));
    desk.write("msg.txt", b"hi bob");
    desk.doormat(&format!(
        "escrow seal -i alice.key -R bob.pub --escrow-key {escrow_key} -a -o msg.asc msg.txt"
    ))
    .success();
    for policy in ["recompute", "clipper16"] {
        desk.doormat(&format!(
            "escrow open -i bob.key --authority teacher.pub --policy {policy} msg.asc"
        ))
        .success()
        .stdout("hi bob");
    }
    // A plain client ignores the access field, and says it is there.
    desk.doormat("open -i bob.key msg.asc")
        .success()
        .stdout("hi bob")
        .stderr(predicate::str::contains("escrowed to: "));
    // The unpinned client works, with a warning.
    desk.doormat("escrow open -i bob.key --unpinned msg.asc")
        .success()
        .stdout("hi bob")
        .stderr(predicate::str::contains("warning: --unpinned"));
}

#[test]
fn a_family_of_our_own_works_on_both_sides() {
    let desk = Desk::new();
    desk.user("alice");
    desk.user("bob");
    desk.authority("teacher");
    desk.doormat("escrow family -o family.key").success();
    assert!(desk.read_text("family.key").contains("doormat-family-1"));
    desk.write("msg.txt", b"hi");
    desk.doormat("escrow seal -i alice.key -R bob.pub --escrow-key teacher.pub --family family.key -o msg.dm msg.txt")
    .success();
    desk.doormat("escrow open -i bob.key --authority teacher.pub --policy clipper16 --family family.key msg.dm")
    .success()
    .stdout("hi");
}

#[test]
fn the_authority_opens_without_being_a_recipient() {
    let desk = Desk::new();
    desk.user("alice");
    desk.user("bob");
    desk.authority("teacher");
    desk.write("msg.txt", b"the answer is 42");
    desk.doormat("escrow seal -i alice.key -R bob.pub --escrow-key teacher.pub -o msg.dm msg.txt")
        .success();
    let out = desk
        .doormat("authority open -k teacher.key msg.dm")
        .success()
        .stdout("the answer is 42");
    let fp_alice = stdout(&desk.doormat("fingerprint alice.pub").success());
    assert!(stderr(&out).contains(&format!("from: {}", fp_alice.trim())));
    // A copy of the key is the authority.
    std::fs::copy(desk.path("teacher.key"), desk.path("leaked.key")).unwrap();
    desk.doormat("authority open -k leaked.key msg.dm -o read.txt")
        .success();
    assert_eq!(desk.read("read.txt"), b"the answer is 42");
}

#[test]
fn split_custody_rebuilds_from_any_two_of_three() {
    let desk = Desk::new();
    desk.user("alice");
    desk.user("bob");
    desk.authority("teacher");
    desk.doormat("authority split -k teacher.key -n 3 --out-dir shares")
        .success()
        .stderr(predicate::str::contains("into 3 shares; any 2 rebuild it"));
    #[cfg(unix)]
    assert_eq!(mode(&desk, "shares/share-1.key"), 0o600);
    desk.write("msg.txt", b"custody");
    desk.doormat("escrow seal -i alice.key -R bob.pub --escrow-key teacher.pub -o msg.dm msg.txt")
        .success();
    let original = stdout(&desk.doormat("fingerprint teacher.key").success());
    for (a, b) in [(1, 2), (1, 3), (2, 3)] {
        let out = format!("rebuilt-{a}{b}.key");
        desk.doormat(&format!(
            "authority recover shares/share-{a}.key shares/share-{b}.key -o {out}"
        ))
        .success()
        .stdout(desk.read_text("teacher.pub"));
        assert_eq!(
            stdout(&desk.doormat(&format!("fingerprint {out}")).success()),
            original
        );
        desk.doormat(&format!("authority open -k {out} msg.dm"))
            .success()
            .stdout("custody");
    }

    // All shares to standard output, and back from one file.
    let all = desk
        .doormat("authority split -k teacher.key -n 5 -t 3")
        .success();
    let text = stdout(&all);
    assert_eq!(text.matches("doormat-escrow-share-1").count(), 5);
    desk.write("all-shares.txt", text.as_bytes());
    desk.doormat("authority recover all-shares.txt")
        .success()
        .stdout(predicate::str::contains("doormat-escrow-secret-1"));
}

#[test]
fn force_replaces_an_existing_output() {
    let desk = Desk::new();
    desk.user("alice");
    desk.user("bob");
    desk.write("msg.txt", b"second");
    desk.write("out.txt", b"first");
    desk.doormat("seal -i alice.key -R bob.pub -o msg.dm msg.txt")
        .success();
    desk.doormat("open -i bob.key --force -o out.txt msg.dm")
        .success();
    assert_eq!(desk.read("out.txt"), b"second");
    desk.assert_no_temporary_files();
}

#[test]
fn expect_sender_accepts_the_right_sender() {
    let desk = Desk::new();
    desk.user("alice");
    desk.user("bob");
    desk.write("msg.txt", b"signed");
    desk.doormat("seal -i alice.key -R bob.pub -o msg.dm msg.txt")
        .success();
    desk.doormat("open -i bob.key --expect-sender ./alice.pub msg.dm")
        .success()
        .stdout("signed");
}

#[test]
fn help_and_version_exit_zero_and_document_the_exit_codes() {
    let desk = Desk::new();
    desk.doormat("--help")
        .success()
        .stdout(predicate::str::contains("Exit codes:"))
        .stdout(predicate::str::contains("5  escrow compliance"));
    desk.doormat("--version")
        .success()
        .stdout(predicate::str::starts_with("doormat "));
    // Every command's own help page documents them too.
    for command in [
        &["open"][..],
        &["escrow", "open"],
        &["authority", "recover"],
    ] {
        desk.run(&[command, &["--help"][..]].concat())
            .success()
            .stdout(predicate::str::contains("5  escrow compliance"));
    }
}
