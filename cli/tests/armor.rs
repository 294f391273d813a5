//! Armor through the real binary: round trips of every size class, and the
//! copy-paste accidents that must be refused with the line they happened on
//! (exit code 4), never guessed at.

mod common;

use common::{noise, stdout, Desk};
use predicates::prelude::*;

const INVALID: i32 = 4;

/// Alice and Bob, and `len` bytes of noise (`msg.bin`) armored from Alice
/// to Bob in `msg.asc`.
fn armored(len: usize) -> Desk {
    let desk = Desk::new();
    desk.user("alice");
    desk.user("bob");
    desk.write("msg.bin", &noise(len, len as u64));
    desk.doormat("seal -a -i alice.key -R bob.pub -o msg.asc msg.bin")
        .success();
    desk
}

#[test]
fn armor_round_trips_at_every_size() {
    // Empty, small, around a 64 KiB chunk, and past a 4 MiB checkpoint.
    for len in [0, 1, 47, 48, 65_536, 65_537, (4 << 20) + 3] {
        let desk = armored(len);
        let text = desk.read_text("msg.asc");
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "-----BEGIN DOORMAT ENVELOPE-----");
        assert_eq!(*lines.last().unwrap(), "-----END DOORMAT ENVELOPE-----");
        assert!(lines[1..lines.len() - 2].iter().all(|l| l.len() == 64));
        assert!(!text.contains('\r') && text.ends_with("-----\n"));
        desk.doormat("open -i bob.key -o msg.out msg.asc").success();
        assert_eq!(desk.read("msg.out"), desk.read("msg.bin"), "length {len}");
        // Armor in, through standard input.
        desk.cmd(&["open", "-i", "bob.key"])
            .write_stdin(text)
            .assert()
            .success()
            .stdout(predicate::eq(desk.read("msg.bin")));
    }
}

/// The armor of `desk` with `f` applied, opened and inspected: both must
/// fail with exit 4 and name `line`.
fn refused(desk: &Desk, f: impl Fn(&str) -> String, line: usize, why: &str) {
    let mangled = f(&desk.read_text("msg.asc"));
    desk.write("bad.asc", mangled.as_bytes());
    let expected = format!("armor line {line} is not canonical: {why}");
    desk.doormat("open -i bob.key -o out.bin bad.asc")
        .code(INVALID)
        .stderr(predicate::str::contains(expected.clone()));
    assert!(!desk.path("out.bin").exists(), "no output after bad armor");
    desk.doormat("inspect bad.asc")
        .code(INVALID)
        .stderr(predicate::str::contains(expected));
    desk.assert_no_temporary_files();
}

#[test]
fn copy_paste_accidents_are_refused_with_their_line() {
    let desk = armored(200);
    // 200 bytes of plaintext make an envelope of a few hundred bytes: 8 or
    // more lines of armor.
    let lines = desk.read_text("msg.asc").lines().count();
    assert!(lines >= 8, "{lines} lines");

    refused(&desk, |t| t.replace('\n', "\r\n"), 1, "carriage return");
    refused(
        &desk,
        |t| {
            let body: String = t.lines().filter(|l| !l.starts_with("-----")).collect();
            let wrapped: Vec<&str> = body
                .as_bytes()
                .chunks(76)
                .map(|c| std::str::from_utf8(c).unwrap())
                .collect();
            format!(
                "-----BEGIN DOORMAT ENVELOPE-----\n{}\n-----END DOORMAT ENVELOPE-----\n",
                wrapped.join("\n")
            )
        },
        2,
        "longer than 64 characters",
    );
    refused(
        &desk,
        |t| {
            let mut l: Vec<&str> = t.lines().collect();
            l.insert(2, "");
            l.join("\n") + "\n"
        },
        3,
        "empty line",
    );
    refused(
        &desk,
        |t| format!("{t}\n"),
        lines + 1,
        "text after the end line",
    );
    refused(
        &desk,
        |t| t.replace("-----END DOORMAT ENVELOPE-----\n", ""),
        lines,
        "the end line is missing",
    );
    refused(
        &desk,
        |t| {
            let mut l: Vec<String> = t.lines().map(String::from).collect();
            l[1].replace_range(..1, "-");
            l.join("\n") + "\n"
        },
        2,
        "a character outside the standard base64 alphabet",
    );
    refused(&desk, |t| format!("  {t}"), 1, "expected `-----BEGIN");
}

#[test]
fn a_damaged_armored_envelope_is_an_invalid_envelope() {
    let desk = armored(200);
    let text = desk.read_text("msg.asc");
    // A valid armor of different bytes: swap two different neighbouring
    // characters of a full line of the payload.
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    let at = lines.len() - 3;
    let mut chars: Vec<char> = lines[at].chars().collect();
    let i = (0..chars.len() - 1)
        .find(|&i| chars[i] != chars[i + 1])
        .expect("a line of noise has two different neighbours");
    chars.swap(i, i + 1);
    lines[at] = chars.into_iter().collect();
    desk.write("bad.asc", (lines.join("\n") + "\n").as_bytes());
    let out = desk.doormat("open -i bob.key bad.asc").code(INVALID);
    assert!(stdout(&out).is_empty());
}
