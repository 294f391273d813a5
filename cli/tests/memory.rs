//! Streaming in constant memory: a 256 MiB file through `seal` and `open`,
//! binary and armored, with the peak resident memory of each process read
//! from `/proc/<pid>/status` (`VmHWM`) while it runs.
//!
//! The bound is far below the file size: the library holds at most one
//! checkpoint span (4 MiB) of plaintext while opening, and the tool a few
//! buffers. Run with `--nocapture` to see the measured peaks.

#![cfg(target_os = "linux")]

mod common;

use std::fs::File;
use std::io::{BufWriter, Read, Write};
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use common::Desk;

const FILE_LEN: u64 = 256 << 20;
/// The most resident memory a streaming command may reach, whatever the
/// file size: an eighth of the file, and several times what it needs.
const PEAK_BOUND_KIB: u64 = 32 << 10;

/// Runs the tool on the desk, polling its peak resident set size until it
/// exits. Returns the exit status with standard error, the peak in KiB,
/// and the number of samples taken.
fn run_measured(desk: &Desk, args: &[&str]) -> ((ExitStatus, String), u64, usize) {
    let mut child = Command::new(common::BIN)
        .args(args)
        .current_dir(desk.root())
        .env_remove("DOORMAT_CONTACTS")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the tool starts");
    let status_file = format!("/proc/{}/status", child.id());
    let (mut peak, mut samples) = (0, 0);
    loop {
        if let Ok(status) = std::fs::read_to_string(&status_file) {
            let hwm = status
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok());
            if let Some(kib) = hwm {
                peak = peak.max(kib);
                samples += 1;
            }
        }
        if let Some(status) = child.try_wait().expect("wait for the tool") {
            // A few lines at most: they fit the pipe while the tool runs.
            let mut stderr = String::new();
            child
                .stderr
                .take()
                .unwrap()
                .read_to_string(&mut stderr)
                .unwrap();
            return ((status, stderr), peak, samples);
        }
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// Writes `len` bytes of deterministic noise without holding them.
fn write_noise(desk: &Desk, name: &str, len: u64) {
    let mut out = BufWriter::new(File::create(desk.path(name)).unwrap());
    let mut left = len;
    let mut seed = 7;
    while left > 0 {
        let n = left.min(1 << 20);
        out.write_all(&common::noise(n as usize, seed)).unwrap();
        seed += 1;
        left -= n;
    }
    out.flush().unwrap();
}

/// Whether two files hold the same bytes, compared a block at a time.
fn same_contents(desk: &Desk, a: &str, b: &str) -> bool {
    let (mut fa, mut fb) = (
        File::open(desk.path(a)).unwrap(),
        File::open(desk.path(b)).unwrap(),
    );
    let (mut ba, mut bb) = (vec![0u8; 1 << 20], vec![0u8; 1 << 20]);
    loop {
        let na = read_full(&mut fa, &mut ba);
        let nb = read_full(&mut fb, &mut bb);
        if na != nb || ba[..na] != bb[..nb] {
            return false;
        }
        if na == 0 {
            return true;
        }
    }
}

fn read_full(f: &mut File, buf: &mut [u8]) -> usize {
    let mut filled = 0;
    while filled < buf.len() {
        match f.read(&mut buf[filled..]).unwrap() {
            0 => break,
            n => filled += n,
        }
    }
    filled
}

#[test]
fn a_256_mib_file_streams_through_seal_and_open_in_bounded_memory() {
    let desk = Desk::new();
    desk.user("alice");
    desk.user("bob");
    write_noise(&desk, "big.bin", FILE_LEN);

    for (armor, sealed) in [(false, "big.dm"), (true, "big.asc")] {
        let mut seal = vec!["seal", "-i", "alice.key", "-R", "bob.pub", "-o", sealed];
        if armor {
            seal.push("-a");
        }
        seal.push("big.bin");
        let started = Instant::now();
        let ((status, err), seal_peak, seal_samples) = run_measured(&desk, &seal);
        let seal_time = started.elapsed();
        assert!(status.success(), "seal failed: {status}: {err}");

        let opened = format!("{sealed}.out");
        let started = Instant::now();
        let ((status, err), open_peak, open_samples) =
            run_measured(&desk, &["open", "-i", "bob.key", "-o", &opened, sealed]);
        let open_time = started.elapsed();
        assert!(status.success(), "open failed: {status}: {err}");
        assert!(same_contents(&desk, "big.bin", &opened), "{opened} differs");

        let size = std::fs::metadata(desk.path(sealed)).unwrap().len();
        eprintln!(
            "256 MiB {} ({size} bytes sealed): peak memory (VmHWM) seal {seal_peak} KiB \
             in {seal_time:.2?} ({seal_samples} samples), open {open_peak} KiB in \
             {open_time:.2?} ({open_samples} samples); bound {PEAK_BOUND_KIB} KiB",
            if armor { "armored" } else { "binary" },
        );
        assert!(
            seal_samples > 0 && open_samples > 0,
            "no memory samples taken"
        );
        assert!(seal_peak < PEAK_BOUND_KIB, "seal peaked at {seal_peak} KiB");
        assert!(open_peak < PEAK_BOUND_KIB, "open peaked at {open_peak} KiB");
        std::fs::remove_file(desk.path(sealed)).unwrap();
        std::fs::remove_file(desk.path(&opened)).unwrap();
    }
}
