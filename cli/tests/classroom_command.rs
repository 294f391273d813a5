//! `doormat classroom` runs the `doormat-classroom` binary beside it (or on
//! the PATH) with its arguments, and says how to get it when it is missing.
//! The tool is copied to a folder of its own, so what sits beside it is
//! what the test puts there.
//!
//! Writing an executable and running one share a lock: a child forked by
//! the other test while a copy is still open for writing would hold that
//! file open until it execs, and running the copy then fails with "text
//! file busy" (ETXTBSY).

#![cfg(unix)]

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Mutex, MutexGuard};

/// Held while a file of this test is open for writing or a child is forking.
static FORKS: Mutex<()> = Mutex::new(());

fn forks() -> MutexGuard<'static, ()> {
    FORKS
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// A copy of `doormat` alone in a new folder.
fn lone_doormat() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("a folder");
    let copy = dir.path().join("doormat");
    let _writing = forks();
    std::fs::copy(env!("CARGO_BIN_EXE_doormat"), &copy).expect("a copy of the tool");
    (dir, copy)
}

/// Runs the copy with `args` and an empty PATH.
fn run(doormat: &Path, args: &[&str]) -> Output {
    let child = {
        let _forking = forks();
        Command::new(doormat)
            .args(args)
            .env("PATH", "")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("the tool runs")
    };
    child.wait_with_output().expect("the tool's output")
}

#[test]
fn without_the_server_it_says_how_to_get_it() {
    let (_dir, doormat) = lone_doormat();
    let out = run(&doormat, &["classroom", "--listen", "127.0.0.1:0"]);
    assert_eq!(out.status.code(), Some(1));
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        said.contains("cargo run --release -p doormat-classroom"),
        "{said}"
    );
    assert!(said.contains("cargo install --path classroom"), "{said}");
}

#[test]
fn it_runs_the_server_beside_it_with_every_argument() {
    let (dir, doormat) = lone_doormat();
    let fake = dir.path().join("doormat-classroom");
    {
        let _writing = forks();
        std::fs::write(&fake, "#!/bin/sh\necho \"classroom got: $*\"\nexit 7\n").expect("a script");
        std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    let out = run(
        &doormat,
        &["classroom", "--listen", "0.0.0.0:8080", "--help"],
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "classroom got: --listen 0.0.0.0:8080 --help\n"
    );
    assert_eq!(out.status.code(), Some(7), "the server's own exit code");
}
