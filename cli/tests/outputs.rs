//! Where outputs go, and what `-o` and `--force` may do to what is there:
//! permissions of new and replaced files, FIFOs and character devices
//! written in place, other special files refused, durable writes.

#![cfg(unix)]

mod common;

use std::fs;
use std::os::unix::fs::{FileTypeExt, PermissionsExt};
use std::path::Path;
use std::process::Command;

use common::{mode, stderr, Desk};
use predicates::prelude::*;

const USAGE: i32 = 1;

/// Alice and Bob, and `clean.dm` from Alice to Bob holding `msg.txt`.
fn desk() -> Desk {
    let desk = Desk::new();
    desk.user("alice");
    desk.user("bob");
    desk.write("msg.txt", b"meet at noon\n");
    desk.doormat("seal -i alice.key -R bob.pub -o clean.dm msg.txt")
        .success();
    desk
}

fn chmod(desk: &Desk, name: &str, mode: u32) {
    fs::set_permissions(desk.path(name), fs::Permissions::from_mode(mode)).unwrap();
}

fn mkfifo(path: &Path) {
    let status = Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("mkfifo runs");
    assert!(status.success(), "mkfifo {}", path.display());
}

fn is_fifo(path: &Path) -> bool {
    fs::symlink_metadata(path)
        .map(|m| m.file_type().is_fifo())
        .unwrap_or(false)
}

#[test]
fn decrypted_plaintext_is_created_owner_only() {
    let desk = desk();
    desk.authority("teacher");
    desk.doormat(
        "escrow seal -i alice.key -R bob.pub --escrow-key teacher.pub -o escrowed.dm msg.txt",
    )
    .success();
    for (args, out) in [
        (
            &["open", "-i", "bob.key", "clean.dm", "-o", "plain.txt"][..],
            "plain.txt",
        ),
        (
            &[
                "escrow",
                "open",
                "-i",
                "bob.key",
                "--authority",
                "./teacher.pub",
                "escrowed.dm",
                "-o",
                "compliant.txt",
            ],
            "compliant.txt",
        ),
        (
            &[
                "authority",
                "open",
                "-k",
                "teacher.key",
                "escrowed.dm",
                "-o",
                "seized.txt",
            ],
            "seized.txt",
        ),
    ] {
        desk.cmd_with_umask("022", args).assert().success();
        assert_eq!(desk.read(out), b"meet at noon\n");
        assert_eq!(mode(&desk, out), 0o600, "{out}");
    }
    // What is not secret keeps the usual permissions.
    desk.cmd_with_umask(
        "022",
        &[
            "seal",
            "-i",
            "alice.key",
            "-R",
            "bob.pub",
            "-o",
            "new.dm",
            "msg.txt",
        ],
    )
    .assert()
    .success();
    assert_eq!(mode(&desk, "new.dm"), 0o644);
    desk.assert_no_temporary_files();
}

#[test]
fn force_keeps_the_mode_of_the_file_it_replaces() {
    let desk = desk();
    for kept in [0o600, 0o640, 0o604] {
        desk.write("out.txt", b"the old plaintext");
        chmod(&desk, "out.txt", kept);
        desk.cmd_with_umask(
            "022",
            &[
                "open", "-i", "bob.key", "--force", "-o", "out.txt", "clean.dm",
            ],
        )
        .assert()
        .success();
        assert_eq!(desk.read("out.txt"), b"meet at noon\n");
        assert_eq!(mode(&desk, "out.txt"), kept, "replacing a {kept:o} file");
    }
    // An envelope replacing an owner-only file stays owner-only too.
    desk.write("old.dm", b"x");
    chmod(&desk, "old.dm", 0o600);
    desk.cmd_with_umask(
        "022",
        &[
            "seal",
            "-i",
            "alice.key",
            "-R",
            "bob.pub",
            "--force",
            "-o",
            "old.dm",
            "msg.txt",
        ],
    )
    .assert()
    .success();
    assert_eq!(mode(&desk, "old.dm"), 0o600);
    // A secret key replacing a world-readable file is owner-only all the same.
    desk.write("me.key", b"x");
    chmod(&desk, "me.key", 0o644);
    desk.cmd_with_umask("022", &["keygen", "--force", "-o", "me.key"])
        .assert()
        .success();
    assert_eq!(mode(&desk, "me.key"), 0o600);
    desk.assert_no_temporary_files();
}

#[test]
fn a_fifo_is_written_in_place_and_never_replaced() {
    let desk = desk();
    let fifo = desk.path("fifo");
    mkfifo(&fifo);
    let link = desk.path("link");
    std::os::unix::fs::symlink(&fifo, &link).unwrap();
    for (out, force) in [("fifo", false), ("fifo", true), ("link", true)] {
        let reader = {
            let fifo = fifo.clone();
            std::thread::spawn(move || fs::read(fifo).expect("read the FIFO"))
        };
        let mut args = vec!["open", "-i", "bob.key", "-o", out, "clean.dm"];
        if force {
            args.push("--force");
        }
        desk.run(&args).success();
        assert!(
            is_fifo(&fifo),
            "-o {out} (force: {force}) replaced the FIFO"
        );
        assert!(
            fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink(),
            "-o {out} replaced the symlink"
        );
        assert_eq!(reader.join().unwrap(), b"meet at noon\n");
    }
    desk.assert_no_temporary_files();
}

#[test]
fn a_character_device_is_written_in_place() {
    let desk = desk();
    // Never `--force` here: a tool that renamed over its output would
    // replace the system's /dev/null when the tests run as root.
    desk.doormat("open -i bob.key -o /dev/null clean.dm")
        .success()
        .stdout("");
    assert!(fs::metadata("/dev/null")
        .unwrap()
        .file_type()
        .is_char_device());
    // `-o /dev/stdout` is standard output, whatever it is (here a pipe).
    desk.doormat("open -i bob.key -o /dev/stdout clean.dm")
        .success()
        .stdout("meet at noon\n");
}

#[test]
fn other_special_files_are_refused_even_with_force() {
    let desk = desk();
    let _listener = std::os::unix::net::UnixListener::bind(desk.path("sock")).unwrap();
    let out = desk
        .doormat("open -i bob.key --force -o sock clean.dm")
        .code(USAGE);
    assert!(
        stderr(&out).contains("sock is a socket: doormat writes regular files"),
        "{}",
        stderr(&out)
    );
    assert!(fs::symlink_metadata(desk.path("sock"))
        .unwrap()
        .file_type()
        .is_socket());
    desk.assert_no_temporary_files();
    // A directory, as before.
    fs::create_dir(desk.path("dir")).unwrap();
    desk.doormat("open -i bob.key --force -o dir clean.dm")
        .code(USAGE)
        .stderr(predicate::str::contains("dir is a directory"));
}

#[test]
#[cfg(target_os = "linux")]
fn a_fifo_of_another_user_is_refused() {
    use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
    let desk = desk();
    let fifo = desk.path("trap");
    mkfifo(&fifo);
    // Only root can give a file away; as another user, check what we can.
    if fs::metadata("/proc/self").map(|m| m.uid()).unwrap_or(1) != 0 {
        eprintln!(
            "not root: cannot make a FIFO of another user; checked only that ours is written"
        );
        return;
    }
    std::os::unix::fs::chown(&fifo, Some(65534), Some(65534)).unwrap();
    assert_eq!(fs::metadata(&fifo).unwrap().uid(), 65534);
    // A reader, so that a tool that does write is not left blocking.
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || fs::read(fifo).unwrap_or_default())
    };
    let out = desk.doormat("open -i bob.key -o trap clean.dm").code(USAGE);
    assert!(
        stderr(&out).contains("trap is a FIFO or device that belongs to another user"),
        "{}",
        stderr(&out)
    );
    // Open the FIFO for writing ourselves, to release the reader; without
    // waiting (O_NONBLOCK on Linux) if a tool that opened it let it go.
    let _ = fs::OpenOptions::new()
        .write(true)
        .custom_flags(0o4000)
        .open(&fifo);
    assert_eq!(reader.join().unwrap(), b"", "plaintext went into the trap");
    assert!(is_fifo(&fifo));
}

/// The system calls that make a file durable, as `strace` saw `args` run
/// on the desk: `None` if `strace` cannot run here.
#[cfg(target_os = "linux")]
fn traced(desk: &Desk, args: &[&str]) -> Option<Vec<String>> {
    let trace = desk.path("strace.txt");
    let status = Command::new("strace")
        .args(["-f", "-y", "-o"])
        .arg(&trace)
        .args([
            "-e",
            "trace=fsync,fdatasync,link,linkat,rename,renameat,renameat2",
        ])
        .arg(common::BIN)
        .args(args)
        .current_dir(desk.root())
        .env_remove("DOORMAT_CONTACTS")
        .stdout(std::process::Stdio::null())
        .status()
        .ok()?;
    let text = fs::read_to_string(&trace).ok()?;
    fs::remove_file(&trace).unwrap();
    assert!(status.success(), "doormat {args:?} under strace:\n{text}");
    Some(text.lines().map(str::to_string).collect())
}

#[test]
#[cfg(target_os = "linux")]
fn the_directory_is_synced_after_the_rename() {
    let desk = desk();
    let dir = fs::canonicalize(desk.root()).unwrap();
    let dir_fd = format!("<{}>)", dir.display());
    desk.write("old.txt", b"old");
    for args in [
        &["open", "-i", "bob.key", "-o", "new.txt", "clean.dm"][..],
        &[
            "open", "-i", "bob.key", "--force", "-o", "old.txt", "clean.dm",
        ],
        &["keygen", "-o", "carol.key"],
    ] {
        let Some(calls) = traced(&desk, args) else {
            eprintln!("skipped: `strace` does not run here");
            return;
        };
        let moved = calls
            .iter()
            .position(|c| c.contains("link") || c.contains("rename"))
            .unwrap_or_else(|| panic!("{args:?}: no link or rename in {calls:#?}"));
        assert!(
            calls[moved..]
                .iter()
                .any(|c| c.contains("fsync(") && c.contains(&dir_fd) && c.ends_with("= 0")),
            "{args:?}: the directory is not synced after the rename:\n{calls:#?}"
        );
    }
}

#[test]
fn split_creates_its_directory_owner_only() {
    let desk = Desk::new();
    desk.authority("teacher");
    desk.cmd_with_umask(
        "022",
        &[
            "authority",
            "split",
            "-k",
            "teacher.key",
            "-n",
            "3",
            "--out-dir",
            "custody",
        ],
    )
    .assert()
    .success();
    assert_eq!(mode(&desk, "custody"), 0o700);
    for i in 1..=3 {
        assert_eq!(mode(&desk, &format!("custody/share-{i}.key")), 0o600);
    }
    desk.assert_no_temporary_files();
    // Missing parents are made as usual; the share folder itself is 0700.
    desk.cmd_with_umask(
        "022",
        &[
            "authority",
            "split",
            "-k",
            "teacher.key",
            "-n",
            "2",
            "--out-dir",
            "a/b",
        ],
    )
    .assert()
    .success();
    assert_eq!(mode(&desk, "a/b"), 0o700);
    assert_eq!(mode(&desk, "a"), 0o755);
}

#[test]
fn split_is_all_or_nothing() {
    let desk = Desk::new();
    desk.authority("teacher");
    // A folder with an old share 1, and a folder where share 2 would go.
    fs::create_dir(desk.path("s")).unwrap();
    desk.write("s/share-1.key", b"the old share 1");
    fs::create_dir(desk.path("s/share-2.key")).unwrap();
    desk.write("s/share-2.key/keep", b"x");
    desk.doormat("authority split -k teacher.key -n 3 --force --out-dir s")
        .code(USAGE)
        .stderr(predicate::str::contains("s/share-2.key is a directory"));
    // (Compared without printing: a share is a secret, even in a test.)
    assert!(
        desk.read("s/share-1.key") == b"the old share 1",
        "share 1 was replaced by a failed split"
    );
    assert!(!desk.path("s/share-3.key").exists());
    let left: Vec<_> = fs::read_dir(desk.path("s"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.contains("doormat-tmp"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
    // With the way clear, --force replaces the old shares, all of them.
    fs::remove_dir_all(desk.path("s/share-2.key")).unwrap();
    desk.doormat("authority split -k teacher.key -n 3 --force --out-dir s")
        .success();
    desk.doormat("authority recover s/share-1.key s/share-3.key -o back.key")
        .success();
}

/// The lengths of the `write` calls the tool made to standard output (a
/// pipe; standard error goes to /dev/null), as `strace` saw them: `None`
/// if `strace` cannot run here.
#[cfg(target_os = "linux")]
fn writes_to_stdout(desk: &Desk, args: &[&str]) -> Option<Vec<usize>> {
    let trace = desk.path("strace.txt");
    let out = Command::new("strace")
        .args(["-f", "-y", "-e", "trace=write,writev", "-o"])
        .arg(&trace)
        .arg(common::BIN)
        .args(args)
        .current_dir(desk.root())
        .env_remove("DOORMAT_CONTACTS")
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    let text = fs::read_to_string(&trace).ok()?;
    fs::remove_file(&trace).unwrap();
    assert!(
        out.status.success(),
        "doormat {args:?} under strace:\n{text}"
    );
    assert!(!out.stdout.is_empty());
    Some(
        text.lines()
            .filter(|l| (l.contains("write(") || l.contains("writev(")) && l.contains("<pipe:["))
            .map(|l| {
                let ret = l.rsplit("= ").next().unwrap().trim();
                ret.parse().unwrap_or_else(|_| panic!("{l}"))
            })
            .collect(),
    )
}

#[test]
#[cfg(target_os = "linux")]
fn plaintext_goes_out_as_the_library_writes_it() {
    // 1 MiB and a little: 16 full chunks of 64 KiB and one of 100 bytes.
    let desk = Desk::new();
    desk.user("alice");
    desk.user("bob");
    desk.write("big.bin", &common::noise((1 << 20) + 100, 9));
    desk.doormat("seal -i alice.key -R bob.pub -o big.dm big.bin")
        .success();
    let Some(writes) = writes_to_stdout(&desk, &["open", "-i", "bob.key", "big.dm"]) else {
        eprintln!("skipped: `strace` does not run here");
        return;
    };
    // No buffer in between: the library hands each opened batch (16 chunks
    // of 64 KiB, then the last chunk) to the descriptor in one vectored
    // write, and nothing splits or copies it on the way (a buffer would
    // copy every byte once more, and cut the writes at its size).
    assert_eq!(writes, [1 << 20, 100], "{writes:?}");
}

#[test]
#[cfg(target_os = "linux")]
fn a_large_output_is_synced_while_it_is_written() {
    let desk = Desk::new();
    desk.user("alice");
    desk.user("bob");
    // 80 MiB: two background syncs (every 32 MiB), then the final one.
    desk.write("big.bin", &common::noise(80 << 20, 10));
    let Some(calls) = traced(
        &desk,
        &[
            "seal",
            "-i",
            "alice.key",
            "-R",
            "bob.pub",
            "-o",
            "big.dm",
            "big.bin",
        ],
    ) else {
        eprintln!("skipped: `strace` does not run here");
        return;
    };
    let first_background = calls
        .iter()
        .position(|c| c.contains("fdatasync(") && c.contains("doormat-tmp"));
    let last = calls
        .iter()
        .position(|c| c.contains("fsync(") && c.contains("doormat-tmp"))
        .unwrap_or_else(|| panic!("no final sync: {calls:#?}"));
    assert!(
        first_background.is_some_and(|at| at < last),
        "nothing was synced before the end: {calls:#?}"
    );
    // Small outputs start no background sync.
    let calls = traced(&desk, &["keygen", "-o", "carol.key"]).unwrap();
    assert!(
        !calls.iter().any(|c| c.contains("fdatasync(")),
        "{calls:#?}"
    );
}

#[test]
#[cfg(target_os = "linux")]
fn dev_stdout_is_standard_output_itself_whatever_it_is() {
    let desk = desk();
    // Standard output redirected to a file: `-o /dev/stdout` writes there,
    // through the same descriptor (so `>>` appends), and /dev/stdout (a
    // symlink) is never replaced. (No --force here: a tool that renamed
    // over its output would replace the system's /dev/stdout as root.)
    desk.write("out.txt", b"before\n");
    let status = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "\"{}\" open -i bob.key -o /dev/stdout clean.dm >> out.txt",
            common::BIN
        ))
        .current_dir(desk.root())
        .env_remove("DOORMAT_CONTACTS")
        .status()
        .unwrap();
    assert!(status.success());
    assert_eq!(desk.read_text("out.txt"), "before\nmeet at noon\n");
    assert!(fs::symlink_metadata("/dev/stdout")
        .unwrap()
        .file_type()
        .is_symlink());
    // And /dev/stderr is standard error.
    let out = desk
        .doormat("open -i bob.key -o /dev/stderr clean.dm")
        .success();
    assert!(
        stderr(&out).starts_with("meet at noon\n"),
        "{}",
        stderr(&out)
    );
    desk.assert_no_temporary_files();
}
