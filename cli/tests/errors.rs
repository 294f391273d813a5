//! Every error path: its one-line message and its documented exit code, and
//! that a failed command leaves no output file behind.

mod common;

use common::{noise, on_terminal, stderr, Desk};
use predicates::prelude::*;

const USAGE: i32 = 1;
const IO: i32 = 2;
const KEY: i32 = 3;
const INVALID: i32 = 4;
const COMPLIANCE: i32 = 5;

/// Runs and checks the exit code and that the error names `what`.
fn fails(desk: &Desk, line: &str, code: i32, what: &str) {
    desk.doormat(line)
        .code(code)
        .stderr(predicate::str::contains(what))
        .stderr(
            predicate::str::starts_with("doormat: error: ").or(predicate::str::contains(
                "error:", // clap's own usage errors
            )),
        );
}

/// Alice, Bob, Carol and a teacher; a clean and an escrowed envelope from
/// Alice to Bob.
fn classroom() -> Desk {
    let desk = Desk::new();
    for who in ["alice", "bob", "carol"] {
        desk.user(who);
    }
    desk.authority("teacher");
    desk.write("msg.txt", b"meet at noon\n");
    desk.doormat("seal -i alice.key -R bob.pub -o clean.dm msg.txt")
        .success();
    desk.doormat(
        "escrow seal -i alice.key -R bob.pub --escrow-key teacher.pub -o escrowed.dm msg.txt",
    )
    .success();
    desk
}

#[test]
fn not_a_recipient() {
    let desk = classroom();
    fails(
        &desk,
        "open -i carol.key clean.dm -o out.txt",
        KEY,
        "not a recipient of this envelope",
    );
    assert!(!desk.path("out.txt").exists());
    desk.assert_no_temporary_files();
}

#[test]
fn tampered_and_truncated_envelopes() {
    let desk = classroom();
    let sealed = desk.read("clean.dm");
    let mut flipped = sealed.clone();
    let last = flipped.len() - 1;
    flipped[last] ^= 1;
    desk.write("flipped.dm", &flipped);
    fails(
        &desk,
        "open -i bob.key flipped.dm -o out.txt",
        INVALID,
        "modified or damaged",
    );
    desk.write("cut.dm", &sealed[..sealed.len() - 10]);
    fails(
        &desk,
        "open -i bob.key cut.dm",
        INVALID,
        "failed authentication",
    );
    desk.write("short.dm", &sealed[..150]);
    fails(&desk, "open -i bob.key short.dm", INVALID, "truncated");
    fails(&desk, "inspect short.dm", INVALID, "truncated");
    desk.write("junk.txt", b"hello, world");
    fails(
        &desk,
        "open -i bob.key junk.txt",
        INVALID,
        "not a doormat envelope",
    );
    fails(&desk, "inspect junk.txt", INVALID, "not a doormat envelope");
    assert!(!desk.path("out.txt").exists());
    desk.assert_no_temporary_files();
}

#[test]
fn a_failure_after_a_checkpoint_leaves_no_file_and_flags_standard_output() {
    let desk = classroom();
    // 10 MiB: two signed checkpoints, then a damaged last chunk.
    desk.write("big.bin", &noise(10 << 20, 3));
    desk.doormat("seal -i alice.key -R bob.pub -o big.dm big.bin")
        .success();
    let mut sealed = desk.read("big.dm");
    let at = sealed.len() - 200;
    sealed[at] ^= 0x80;
    desk.write("big.dm", &sealed);
    fails(
        &desk,
        "open -i bob.key big.dm -o big.out",
        INVALID,
        "payload failed authentication",
    );
    assert!(!desk.path("big.out").exists());
    desk.assert_no_temporary_files();
    // On standard output the signed prefix is already out: say so.
    let out = desk.doormat("open -i bob.key big.dm").code(INVALID);
    assert_eq!(out.get_output().stdout.len(), 8 << 20);
    assert!(stderr(&out).contains("treat them as incomplete"));
}

#[test]
fn compliance_failures() {
    let desk = classroom();
    fails(
        &desk,
        "escrow open -i bob.key --authority teacher.pub clean.dm",
        COMPLIANCE,
        "not escrowed",
    );
    desk.authority("other");
    fails(
        &desk,
        "escrow open -i bob.key --authority other.pub escrowed.dm",
        COMPLIANCE,
        "access field fails the compliance check",
    );
    desk.doormat("escrow family -o family.key").success();
    fails(
        &desk,
        "escrow open -i bob.key --authority teacher.pub --policy clipper16 --family family.key escrowed.dm",
        COMPLIANCE,
        "access field fails the compliance check",
    );
    // A compliant client must name its authority, or say --unpinned.
    fails(
        &desk,
        "escrow open -i bob.key escrowed.dm",
        USAGE,
        "--unpinned",
    );
}

#[test]
fn the_authority_cannot_open_clean_or_foreign_envelopes() {
    let desk = classroom();
    fails(
        &desk,
        "authority open -k teacher.key clean.dm",
        KEY,
        "not escrowed",
    );
    desk.authority("other");
    fails(
        &desk,
        "authority open -k other.key escrowed.dm -o seized.txt",
        KEY,
        "not for this authority",
    );
    assert!(!desk.path("seized.txt").exists());
}

#[test]
fn an_unexpected_sender_is_refused() {
    let desk = classroom();
    fails(
        &desk,
        "open -i bob.key --expect-sender ./carol.pub clean.dm",
        KEY,
        "another sender",
    );
}

#[test]
fn existing_outputs_are_never_replaced_without_force() {
    let desk = classroom();
    desk.write("taken.txt", b"precious");
    for line in [
        "open -i bob.key clean.dm -o taken.txt",
        "seal -i alice.key -R bob.pub msg.txt -o taken.txt",
        "keygen -o taken.txt",
        "escrow keygen -o taken.txt",
    ] {
        fails(&desk, line, USAGE, "taken.txt already exists: use --force");
        assert_eq!(desk.read("taken.txt"), b"precious");
    }
    desk.doormat("authority split -k teacher.key -n 2 --out-dir s")
        .success();
    fails(
        &desk,
        "authority split -k teacher.key -n 3 --out-dir s",
        USAGE,
        "already exists",
    );
    assert!(!desk.path("s/share-3.key").exists());
    desk.assert_no_temporary_files();
}

#[test]
fn wrong_kinds_of_key_are_refused_by_name() {
    let desk = classroom();
    fails(
        &desk,
        "open -i bob.pub clean.dm",
        USAGE,
        "bob.pub line 1 is a public key, but a secret identity is needed here",
    );
    fails(
        &desk,
        "seal -i alice.key -R bob.key msg.txt",
        USAGE,
        "is a secret identity, but a public key is needed",
    );
    fails(
        &desk,
        "authority open -k teacher.pub escrowed.dm",
        USAGE,
        "is an escrow authority's public key",
    );
    fails(
        &desk,
        "escrow seal -i alice.key -R bob.pub --escrow-key teacher.key msg.txt",
        USAGE,
        "is an escrow authority's secret key",
    );
    let mut cut = desk.read_text("bob.pub");
    cut.truncate(40);
    desk.write("cut.pub", cut.as_bytes());
    fails(
        &desk,
        "seal -i alice.key -R cut.pub msg.txt",
        USAGE,
        "cut.pub line 1: the key is cut short or too long",
    );
    fails(&desk, "seal -i alice.key msg.txt", USAGE, "no recipients");
    fails(
        &desk,
        "seal -i alice.key -r bob msg.txt",
        USAGE,
        "no contact of that name",
    );
    fails(
        &desk,
        "seal -i alice.key -R teacher.pub msg.txt",
        USAGE,
        "holds only escrow keys: an authority is not a recipient",
    );
    desk.write("empty.key", b"# nothing here\n");
    fails(&desk, "public empty.key", USAGE, "empty.key holds no key");
}

#[test]
fn io_errors_name_the_file() {
    let desk = classroom();
    fails(
        &desk,
        "open -i bob.key missing.dm",
        IO,
        "missing.dm: No such file",
    );
    fails(&desk, "public nobody.key", IO, "nobody.key: No such file");
    fails(
        &desk,
        "seal -i alice.key -R bob.pub msg.txt -o no/such/dir/x",
        IO,
        "no/such/dir",
    );
}

#[test]
fn usage_errors_exit_one() {
    let desk = Desk::new();
    desk.doormat("frobnicate").code(USAGE);
    desk.doormat("seal --cipher des").code(USAGE);
    desk.authority("teacher");
    fails(
        &desk,
        "authority split -k teacher.key -n 3 -t 4",
        USAGE,
        "need 1 <= T <= N",
    );
}

#[test]
fn shares_that_do_not_rebuild_a_key() {
    let desk = Desk::new();
    desk.authority("teacher");
    desk.authority("other");
    desk.doormat("authority split -k teacher.key -n 3 --out-dir t")
        .success();
    desk.doormat("authority split -k other.key -n 3 --out-dir o")
        .success();
    fails(
        &desk,
        "authority recover t/share-1.key",
        KEY,
        "need 2 key shares to rebuild the key, got 1",
    );
    fails(
        &desk,
        "authority recover t/share-1.key o/share-2.key",
        KEY,
        "do not belong together",
    );
    fails(
        &desk,
        "authority recover t/share-1.key t/share-1.key",
        KEY,
        "given twice",
    );
}

#[test]
fn binary_is_never_written_to_a_terminal() {
    let desk = classroom();
    let bin = common::BIN;
    let (code, screen) = on_terminal(
        &desk,
        &format!("{bin} seal -i alice.key -R bob.pub msg.txt"),
    );
    assert_eq!(code, USAGE, "{screen}");
    assert!(screen.contains("refusing to write a binary envelope to a terminal: use -a"));
    // Armor is text: fine on a terminal.
    let (code, screen) = on_terminal(
        &desk,
        &format!("{bin} seal -a -i alice.key -R bob.pub msg.txt"),
    );
    assert_eq!(code, 0, "{screen}");
    assert!(screen.contains("-----BEGIN DOORMAT ENVELOPE-----"));
    // Text plaintext is shown; binary plaintext (here, an envelope sealed
    // inside another) is refused.
    let (code, screen) = on_terminal(&desk, &format!("{bin} open -i bob.key clean.dm"));
    assert_eq!(code, 0, "{screen}");
    assert!(screen.contains("meet at noon"));
    desk.doormat("seal -i alice.key -R bob.pub -o outer.dm clean.dm")
        .success();
    let (code, screen) = on_terminal(&desk, &format!("{bin} open -i bob.key outer.dm"));
    assert_eq!(code, USAGE, "{screen}");
    assert!(screen.contains("refusing to write binary data to a terminal: use -o FILE"));
}

#[test]
fn progress_is_drawn_only_on_a_terminal() {
    let desk = classroom();
    desk.write("big.bin", &noise(64 << 20, 4));
    let bin = common::BIN;
    let (code, screen) = on_terminal(
        &desk,
        &format!("{bin} seal -i alice.key -R bob.pub -o big.dm big.bin"),
    );
    assert_eq!(code, 0, "{screen}");
    assert!(
        screen.contains("sealing"),
        "no progress bar on the terminal: {screen:?}"
    );
    // Not a terminal: standard error stays empty.
    desk.doormat("open -i bob.key -o big.out big.dm")
        .success()
        .stderr(predicate::str::contains("sealing").not())
        .stderr(predicate::str::contains("opening").not());
}

#[test]
fn names_come_from_contacts_only_and_paths_have_a_slash() {
    let desk = classroom();
    desk.user("mallory");
    desk.doormat("seal -i mallory.key -R bob.pub -o mallory.dm msg.txt")
        .success();
    // Mallory plants a file called `alice` holding her own key: a name is
    // never a file, so it does not vouch for her envelope.
    desk.write("alice", desk.read_text("mallory.pub").as_bytes());
    fails(
        &desk,
        "open -i bob.key --expect-sender alice mallory.dm",
        USAGE,
        "--expect-sender alice: no contact of that name",
    );
    fails(
        &desk,
        "seal -i alice.key -r alice msg.txt",
        USAGE,
        "-r alice: no contact of that name",
    );
    // The message says how to name a file.
    fails(
        &desk,
        "open -i bob.key --expect-sender alice.pub clean.dm",
        USAGE,
        "./alice.pub",
    );
    // A path is written with a `/`, for both flags.
    desk.doormat("open -i bob.key --expect-sender ./alice.pub clean.dm")
        .success()
        .stdout("meet at noon\n");
    // Written as a path, the planted file is read: the user named it.
    fails(
        &desk,
        "open -i bob.key --expect-sender ./alice clean.dm",
        KEY,
        "another sender",
    );
    desk.doormat("seal -i alice.key -r ./bob.pub -o viaslash.dm msg.txt")
        .success();
    desk.doormat("open -i bob.key viaslash.dm")
        .success()
        .stdout("meet at noon\n");
    // A contact of that name is who the name means, whatever files exist.
    let alice = desk.read_text("alice.pub");
    desk.write(
        "contacts.txt",
        format!("{} alice\n", alice.trim()).as_bytes(),
    );
    fails(
        &desk,
        "--contacts contacts.txt open -i bob.key --expect-sender alice mallory.dm",
        KEY,
        "another sender",
    );
    desk.doormat("--contacts contacts.txt open -i bob.key --expect-sender alice clean.dm")
        .success();
}

#[test]
fn control_characters_never_reach_a_terminal() {
    let desk = classroom();
    let bin = common::BIN;
    // An 8-bit CSI (as the character U+009B), and a carriage return that
    // would overwrite what the line said.
    for (name, text) in [
        ("c1.txt", "\u{9b}2J\u{9b}31mred\n"),
        ("cr.txt", "transfer 10 EUR\rtransfer 9999 EUR\n"),
        ("end.txt", "all done\r"),
    ] {
        desk.write(name, text.as_bytes());
        desk.doormat(&format!("seal -i alice.key -R bob.pub -o {name}.dm {name}"))
            .success();
        let (code, screen) = on_terminal(&desk, &format!("{bin} open -i bob.key {name}.dm"));
        assert_eq!(code, USAGE, "{name}: {screen:?}");
        assert!(
            screen.contains("refusing to write binary data to a terminal"),
            "{name}: {screen:?}"
        );
    }
}

#[test]
fn secrets_are_never_printed_on_a_terminal() {
    let desk = classroom();
    desk.doormat("authority split -k teacher.key -n 2 --out-dir shares")
        .success();
    let bin = common::BIN;
    for line in [
        "keygen",
        "keygen --post-quantum",
        "keygen -o /dev/tty",
        "escrow keygen",
        "escrow family",
        "authority split -k teacher.key -n 3",
        "authority recover shares/share-1.key shares/share-2.key",
    ] {
        let (code, screen) = on_terminal(&desk, &format!("{bin} {line}"));
        assert_eq!(code, USAGE, "{line}: {screen:?}");
        assert!(
            screen.contains("refusing to write a secret key to a terminal: use -o FILE"),
            "{line}: {screen:?}"
        );
        for prefix in ["-secret-", "-share-1", "-family-1"] {
            assert!(
                !screen.contains(prefix),
                "{line} showed a secret: {screen:?}"
            );
        }
    }
    // To a pipe or a file, as before.
    desk.doormat("keygen")
        .success()
        .stdout(predicate::str::contains("doormat-secret-1"));
}
