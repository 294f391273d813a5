//! Secrets never travel on the command line, and never come back in a
//! message: a secret key's text given as an argument (where any user sees
//! it in `/proc/PID/cmdline` and the shell's history keeps it) is refused,
//! by every command and by the argument parser, without echoing any part
//! of it.

mod common;

use common::{stderr, stdout, Desk};

const USAGE: i32 = 1;

/// The key text on the one key line of a file the tool wrote.
fn key_text(desk: &Desk, name: &str) -> String {
    desk.read_text(name)
        .lines()
        .find(|l| l.starts_with("doormat-"))
        .unwrap_or_else(|| panic!("{name} holds a key"))
        .to_string()
}

/// Fails if any 8 characters in a row of the secret's encoded bytes (the
/// text after its typed prefix) appear in `shown`.
fn assert_no_part_of(secret: &str, shown: &str, context: &str) {
    let body = &secret[secret.rfind('-').expect("a typed prefix") + 2..];
    assert!(body.len() >= 32, "{context}: not a secret's text");
    for i in 0..=body.len() - 8 {
        let part = &body[i..i + 8];
        assert!(
            !shown.contains(part),
            "{context}: part of the secret ({part}) was shown:\n{shown}"
        );
    }
}

/// Alice, Bob and a teacher; `clean.dm` and `escrowed.dm` from Alice to
/// Bob; the teacher's key split into `shares/`; a family key.
fn desk() -> Desk {
    let desk = Desk::new();
    desk.user("alice");
    desk.user("bob");
    desk.pq_user("carol");
    desk.authority("teacher");
    desk.write("msg.txt", b"meet at noon\n");
    desk.doormat("seal -i alice.key -R bob.pub -o clean.dm msg.txt")
        .success();
    desk.doormat(
        "escrow seal -i alice.key -R bob.pub --escrow-key teacher.pub -o escrowed.dm msg.txt",
    )
    .success();
    desk.doormat("authority split -k teacher.key -n 2 --out-dir shares")
        .success();
    desk.doormat("escrow family -o family.key").success();
    desk
}

#[test]
fn secret_key_text_on_the_command_line_is_refused_without_echo() {
    let desk = desk();
    let secrets = [
        ("a user's secret", key_text(&desk, "alice.key")),
        ("a post-quantum secret", key_text(&desk, "carol.key")),
        ("an authority's secret", key_text(&desk, "teacher.key")),
        ("a key share", key_text(&desk, "shares/share-1.key")),
        ("a family key", key_text(&desk, "family.key")),
    ];
    for (what, secret) in &secrets {
        let s = secret.as_str();
        let eq = |flag: &str| format!("{flag}={s}");
        let lines: Vec<Vec<String>> = vec![
            // The commands that took key text.
            vec!["public".into(), s.into()],
            vec!["fingerprint".into(), s.into()],
            vec!["escrow".into(), "public".into(), s.into()],
            vec!["safety-number".into(), s.into(), "bob.pub".into()],
            vec!["safety-number".into(), "bob.pub".into(), s.into()],
            vec![
                "open".into(),
                "-i".into(),
                "bob.key".into(),
                "--expect-sender".into(),
                s.into(),
                "clean.dm".into(),
            ],
            vec![
                "seal".into(),
                "-i".into(),
                "alice.key".into(),
                "-r".into(),
                s.into(),
                "msg.txt".into(),
            ],
            vec![
                "escrow".into(),
                "seal".into(),
                "-i".into(),
                "alice.key".into(),
                "-R".into(),
                "bob.pub".into(),
                "--escrow-key".into(),
                s.into(),
                "msg.txt".into(),
            ],
            vec![
                "escrow".into(),
                "open".into(),
                "-i".into(),
                "bob.key".into(),
                "--authority".into(),
                s.into(),
                "escrowed.dm".into(),
            ],
            // Where a file belongs: it would be echoed as a missing path.
            vec!["open".into(), "-i".into(), s.into(), "clean.dm".into()],
            vec!["open".into(), eq("--identity"), "clean.dm".into()],
            vec!["authority".into(), "recover".into(), s.into()],
            // Misplaced: the parser would echo it as unexpected or invalid.
            vec![
                "open".into(),
                "-i".into(),
                "bob.key".into(),
                "clean.dm".into(),
                s.into(),
            ],
            vec!["seal".into(), "--cipher".into(), s.into()],
            vec![s.into()],
            vec!["frobnicate".into(), s.into()],
            vec!["fingerprint".into(), "bob.pub".into(), s.into()],
            vec![
                "--contacts".into(),
                s.into(),
                "inspect".into(),
                "clean.dm".into(),
            ],
        ];
        for line in lines {
            let args: Vec<&str> = line.iter().map(String::as_str).collect();
            let context = format!("{what}: doormat {}", args[..args.len().min(3)].join(" "));
            let out = desk.run(&args).code(USAGE);
            let (shown_out, shown_err) = (stdout(&out), stderr(&out));
            assert_eq!(shown_out, "", "{context}");
            assert_no_part_of(secret, &shown_err, &context);
            assert!(
                shown_err.contains("secret") && shown_err.contains("command line"),
                "{context}: say why it was refused:\n{shown_err}"
            );
        }
    }
}

#[test]
fn public_keys_and_files_still_work_on_the_command_line() {
    let desk = desk();
    let bob = desk.read_text("bob.pub").trim().to_string();
    let fp = stdout(&desk.doormat("fingerprint bob.pub").success());
    assert_eq!(stdout(&desk.run(&["fingerprint", &bob]).success()), fp);
    assert_eq!(stdout(&desk.doormat("fingerprint bob.key").success()), fp);
    desk.doormat("public alice.key").success();
    desk.doormat("escrow public teacher.key").success();
    desk.run(&["safety-number", "alice.key", &bob]).success();
    // A file whose name only looks like a key's prefix is a file.
    std::fs::copy(desk.path("alice.key"), desk.path("doormat-secret-1.key")).unwrap();
    desk.doormat("public doormat-secret-1.key").success();
}
