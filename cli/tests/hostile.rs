//! What a hostile header can cost the tool: an envelope of a few hundred bytes whose header
//! claims 16 MiB chunks, opened with 16 worker threads asked for under a
//! 1 GB address-space limit (`ulimit -v`), as a mail gateway might run it.
//! Before the streaming buffers grew with the bytes that really arrive (and
//! batches were capped in bytes), each batch reserved 4 × threads × chunk:
//! 1 GiB of address space for 300 bytes, and the tool died with SIGABRT
//! (exit 134, in no exit table). Now it opens the envelope (under a limit
//! the tool also starts only the threads the limit holds: six here), and
//! its peak resident memory with 16 threads and no limit is reported and
//! bounded, measured by GNU `time` (Debian's package `time`, which
//! `.ci/run` installs; elsewhere the measurement is skipped with a message,
//! unless `DOORMAT_REQUIRE_GNU_TIME=1` makes its absence a failure).

#![cfg(target_os = "linux")]

mod common;

use std::io::Write;
use std::process::Command;

use common::Desk;
use doormat::e2e::Sealer;
use doormat::keys::Identity;

/// Runs the tool under `ulimit -v KIB` with `threads` worker threads; its
/// exit code and everything it printed.
fn run_limited(desk: &Desk, args: &str, kib: u64, threads: usize) -> (Option<i32>, String) {
    run_limited_as(desk, "", args, &kib.to_string(), threads)
}

/// [`run_limited`], with the tool started by `wrapper` (a command that
/// runs the rest of its arguments).
fn run_limited_as(
    desk: &Desk,
    wrapper: &str,
    args: &str,
    kib: &str,
    threads: usize,
) -> (Option<i32>, String) {
    let script = format!(
        "ulimit -v {kib}; exec {wrapper} \"{}\" {args} 2>&1; ",
        common::BIN
    );
    let out = Command::new("sh")
        .arg("-c")
        .arg(&script)
        .current_dir(desk.root())
        .env_remove("DOORMAT_CONTACTS")
        .env("RAYON_NUM_THREADS", threads.to_string())
        .output()
        .expect("sh runs");
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    (out.status.code(), text)
}

#[test]
fn a_tiny_envelope_with_huge_chunks_opens_under_a_memory_limit() {
    let desk = Desk::new();
    let (alice, bob) = (Identity::generate(), Identity::generate());
    desk.write("bob.key", bob.to_secret_string().as_bytes());
    let envelope = Sealer::new(&alice, &[bob.public()])
        .chunk_size(16 << 20)
        .seal(b"a few bytes in a huge chunk")
        .unwrap();
    assert!(envelope.len() < 400, "{} bytes", envelope.len());
    desk.write("tiny.dm", &envelope);
    for threads in [2, 16] {
        let (code, text) = run_limited(
            &desk,
            "open -i bob.key -o out.txt tiny.dm",
            1_000_000,
            threads,
        );
        assert_eq!(code, Some(0), "{threads} threads: {text}");
        assert_eq!(desk.read("out.txt"), b"a few bytes in a huge chunk");
        std::fs::remove_file(desk.path("out.txt")).unwrap();
    }
    // What 16 threads and a 16 MiB chunk size cost in memory really used,
    // with no limit (under one, the tool starts only the threads it holds).
    let time = "/usr/bin/time";
    if !std::path::Path::new(time).exists() {
        assert!(
            std::env::var_os("DOORMAT_REQUIRE_GNU_TIME").is_none(),
            "DOORMAT_REQUIRE_GNU_TIME is set and {time} is missing"
        );
        let _ = writeln!(
            std::io::stderr(),
            "peak memory not measured: {time} (Debian's package time) is not installed"
        );
        return;
    }
    let wrapper = format!("{time} -f 'peak-kib %M'");
    let (code, text) = run_limited_as(
        &desk,
        &wrapper,
        "open -i bob.key -o out.txt tiny.dm",
        "unlimited",
        16,
    );
    assert_eq!(code, Some(0), "{text}");
    let peak: u64 = text
        .lines()
        .find_map(|l| l.strip_prefix("peak-kib "))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("no peak in {text:?}"));
    // Straight to standard error, past the test harness's capture, so every
    // run shows the figure.
    let _ = writeln!(
        std::io::stderr(),
        "a {}-byte envelope of 16 MiB chunks, 16 threads: peak resident memory {peak} KiB",
        envelope.len()
    );
    // A few MiB of code, libraries and thread stacks: a buffer sized by the
    // header's chunks and filled (zeroed) would be 16 MiB on its own.
    assert!(peak < 12 << 10, "peak {peak} KiB");
}

/// Under tighter limits 16 worker threads cannot all have their stacks
/// and arenas, nor a batch its buffer: the tool starts only the threads the
/// limit holds (fewer still if the system refuses one), or fails with an
/// I/O error (exit 2) — never a panic inside the thread pool (exit 101, as
/// rayon's global pool gave at 80 to 150 MB) or an abort (134, as a thread
/// without room for its signal stack gave). Whenever it succeeds, the
/// output is exact.
#[test]
fn a_system_that_refuses_memory_or_threads_gets_an_error_not_a_crash() {
    let desk = Desk::new();
    let (alice, bob) = (Identity::generate(), Identity::generate());
    desk.write("bob.key", bob.to_secret_string().as_bytes());
    let envelope = Sealer::new(&alice, &[bob.public()])
        .seal(&vec![7u8; 3 << 20])
        .unwrap();
    desk.write("big.dm", &envelope);
    let mut opened = 0;
    for kib in [
        400_000, 300_000, 200_000, 150_000, 100_000, 80_000, 60_000, 40_000, 30_000,
    ] {
        let (code, text) = run_limited(&desk, "open -i bob.key -o out.bin big.dm", kib, 16);
        match code {
            Some(0) => {
                assert_eq!(desk.read("out.bin"), vec![7u8; 3 << 20], "ulimit -v {kib}");
                std::fs::remove_file(desk.path("out.bin")).unwrap();
                opened += 1;
            }
            Some(2) => assert!(text.contains("I/O error"), "ulimit -v {kib}: {text}"),
            other => panic!("ulimit -v {kib}: exit {other:?}: {text}"),
        }
    }
    assert!(opened > 0, "no limit in the range let it open");
}
