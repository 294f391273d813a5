//! What every test of the binary needs: the binary, a desk (a temporary
//! folder) to run it in, and keys on that desk.

#![allow(dead_code)] // Each test file uses its own part of this module.

use std::fs;
use std::path::{Path, PathBuf};

use assert_cmd::assert::Assert;
use assert_cmd::Command;
use tempfile::TempDir;

/// The binary under test, built by Cargo for the integration tests.
pub const BIN: &str = env!("CARGO_BIN_EXE_doormat");

/// A temporary folder to run commands in, removed at the end of the test.
pub struct Desk {
    dir: TempDir,
}

impl Desk {
    /// A new, empty desk.
    pub fn new() -> Desk {
        Desk {
            dir: tempfile::tempdir().expect("a temporary directory"),
        }
    }

    /// The desk's folder.
    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    /// A path on the desk.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// `doormat` with these arguments, run on the desk, with no contacts
    /// from the environment.
    pub fn cmd(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(BIN);
        cmd.current_dir(self.root())
            .env_remove("DOORMAT_CONTACTS")
            .args(args);
        cmd
    }

    /// Runs `doormat` with these arguments.
    pub fn run(&self, args: &[&str]) -> Assert {
        self.cmd(args).assert()
    }

    /// `doormat` with these arguments, run on the desk under the file
    /// creation mask `umask` (octal, as the shell takes it), so that
    /// permission tests do not depend on the mask the tests inherit.
    pub fn cmd_with_umask(&self, umask: &str, args: &[&str]) -> Command {
        let mut cmd = Command::new("sh");
        cmd.current_dir(self.root())
            .env_remove("DOORMAT_CONTACTS")
            .arg("-c")
            .arg(format!("umask {umask}; exec \"$0\" \"$@\""))
            .arg(BIN)
            .args(args);
        cmd
    }

    /// Runs `doormat` with the words of `line` as arguments: the command
    /// line as a person types it, for arguments without spaces.
    pub fn doormat(&self, line: &str) -> Assert {
        let args: Vec<&str> = line.split_whitespace().collect();
        self.run(&args)
    }

    /// `NAME.key` and `NAME.pub` on the desk, from `keygen`.
    pub fn user(&self, name: &str) -> String {
        let key = format!("{name}.key");
        let out = self.run(&["keygen", "-o", &key]).success();
        let public = String::from_utf8(out.get_output().stdout.clone()).unwrap();
        self.write(&format!("{name}.pub"), public.as_bytes());
        public.trim().to_string()
    }

    /// `NAME.key` (the authority's secret) and `NAME.pub` (its escrow key).
    pub fn authority(&self, name: &str) -> String {
        let key = format!("{name}.key");
        let out = self.run(&["escrow", "keygen", "-o", &key]).success();
        let public = String::from_utf8(out.get_output().stdout.clone()).unwrap();
        self.write(&format!("{name}.pub"), public.as_bytes());
        public.trim().to_string()
    }

    /// [`Desk::user`] with a post-quantum (X-Wing) identity.
    pub fn pq_user(&self, name: &str) -> String {
        let key = format!("{name}.key");
        let out = self
            .run(&["keygen", "--post-quantum", "-o", &key])
            .success();
        let public = String::from_utf8(out.get_output().stdout.clone()).unwrap();
        self.write(&format!("{name}.pub"), public.as_bytes());
        public.trim().to_string()
    }

    /// [`Desk::authority`] with a post-quantum (X-Wing) authority key.
    pub fn pq_authority(&self, name: &str) -> String {
        let key = format!("{name}.key");
        let out = self
            .run(&["escrow", "keygen", "--post-quantum", "-o", &key])
            .success();
        let public = String::from_utf8(out.get_output().stdout.clone()).unwrap();
        self.write(&format!("{name}.pub"), public.as_bytes());
        public.trim().to_string()
    }

    /// Writes a file on the desk.
    pub fn write(&self, name: &str, bytes: &[u8]) {
        fs::write(self.path(name), bytes).expect("write a file on the desk");
    }

    /// Reads a file on the desk.
    pub fn read(&self, name: &str) -> Vec<u8> {
        fs::read(self.path(name)).unwrap_or_else(|e| panic!("read {name}: {e}"))
    }

    /// Reads a text file on the desk.
    pub fn read_text(&self, name: &str) -> String {
        String::from_utf8(self.read(name)).expect("a text file")
    }

    /// Every file name on the desk, sorted.
    pub fn files(&self) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(self.root())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    /// Fails if a temporary output was left behind.
    pub fn assert_no_temporary_files(&self) {
        let left: Vec<String> = self
            .files()
            .into_iter()
            .filter(|n| n.contains("doormat-tmp"))
            .collect();
        assert!(left.is_empty(), "temporary files left behind: {left:?}");
    }
}

/// The permission bits of a file on the desk (not following a symlink).
#[cfg(unix)]
pub fn mode(desk: &Desk, name: &str) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    fs::symlink_metadata(desk.path(name))
        .unwrap_or_else(|e| panic!("{name}: {e}"))
        .permissions()
        .mode()
        & 0o7777
}

/// Standard output of a finished command, as text.
pub fn stdout(assert: &Assert) -> String {
    String::from_utf8(assert.get_output().stdout.clone()).expect("text on standard output")
}

/// Standard error of a finished command, as text.
pub fn stderr(assert: &Assert) -> String {
    String::from_utf8(assert.get_output().stderr.clone()).expect("text on standard error")
}

/// Deterministic bytes that do not compress: a xorshift stream.
pub fn noise(len: usize, seed: u64) -> Vec<u8> {
    let mut state = seed | 1;
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        out.extend_from_slice(&state.to_le_bytes());
    }
    out.truncate(len);
    out
}

/// Runs a shell command line under a pseudo-terminal (`script` from
/// util-linux), so the tool's standard streams are a terminal. Returns the
/// exit code and what the terminal showed.
pub fn on_terminal(desk: &Desk, line: &str) -> (i32, String) {
    let out = std::process::Command::new("script")
        .args(["-qec", line, "/dev/null"])
        .current_dir(desk.root())
        .env_remove("DOORMAT_CONTACTS")
        .env("TERM", "xterm")
        .stdin(std::process::Stdio::null())
        .output()
        .expect("`script` (util-linux) runs a command under a pseudo-terminal");
    (
        out.status.code().expect("an exit code"),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}
