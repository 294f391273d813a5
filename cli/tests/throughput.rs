//! What the tool does so that bytes flow at the library's speed, which
//! tests can check without timing anything: when standard input or output
//! is a pipe it leaves a core for its own reading and writing and for the
//! other end (doormat's pool gets one thread fewer than the cores, at least
//! one, unless the user set `RAYON_NUM_THREADS`, which wins), and it
//! widens such a pipe to 1 MiB, so that a batch does not pass through
//! 64 KiB at a time. Under an address-space limit the pool starts only the
//! threads the limit holds, whatever was asked. The speed itself is in
//! `cli/benches/age.rs` and the README.

#![cfg(target_os = "linux")]

mod common;

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::Desk;

/// Where a running `doormat seal` reads its input from.
#[derive(Clone, Copy)]
enum Input {
    /// Standard input, a pipe.
    Pipe,
    /// A named pipe given as the input's path, standard input and output
    /// not pipes: as the tool sees it, files only.
    Path,
}

/// The pool's threads in a running `doormat seal` whose input is held open
/// (so the process waits mid-stream), with `RAYON_NUM_THREADS` unset or set
/// to `threads`.
fn pool_threads_while_sealing(desk: &Desk, input: Input, threads: Option<&str>) -> usize {
    pool_threads_while_sealing_under(desk, input, threads, "unlimited")
}

/// [`pool_threads_while_sealing`] under `ulimit -v LIMIT` (KiB).
fn pool_threads_while_sealing_under(
    desk: &Desk,
    input: Input,
    threads: Option<&str>,
    limit: &str,
) -> usize {
    // `exec` keeps the shell's process id, which is the tool's.
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg(format!("ulimit -v {limit} && exec \"$0\" \"$@\""))
        .arg(common::BIN);
    cmd.current_dir(desk.root())
        .env_remove("DOORMAT_CONTACTS")
        .env_remove("RAYON_NUM_THREADS")
        .args(["seal", "-i", "alice.key", "-R", "./bob.pub"])
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    match input {
        Input::Pipe => cmd.stdin(Stdio::piped()),
        Input::Path => cmd.arg("in.fifo").stdin(Stdio::null()),
    };
    if let Some(n) = threads {
        cmd.env("RAYON_NUM_THREADS", n);
    }
    let mut child = cmd.spawn().expect("doormat starts");
    let mut feed: Box<dyn Write> = match input {
        Input::Pipe => Box::new(child.stdin.take().expect("a pipe")),
        // Opening a named pipe to write waits for its reader: the tool.
        Input::Path => Box::new(std::fs::File::create(desk.path("in.fifo")).expect("the fifo")),
    };
    // Two batches' worth, so the stream and its pool have started.
    feed.write_all(&vec![7u8; 2 << 20]).expect("doormat reads");
    let tasks = format!("/proc/{}/task", child.id());
    let count = || {
        std::fs::read_dir(&tasks)
            .map(|dir| {
                dir.filter_map(|task| std::fs::read_to_string(task.ok()?.path().join("comm")).ok())
                    .filter(|name| name.starts_with("doormat-worke"))
                    .count()
            })
            .unwrap_or(0)
    };
    // rayon starts every thread of a pool when it builds it; wait for them
    // to show, then for the count to hold still.
    let start = Instant::now();
    let mut seen = count();
    while start.elapsed() < Duration::from_secs(20) {
        std::thread::sleep(Duration::from_millis(200));
        let now = count();
        if now > 0 && now == seen {
            break;
        }
        seen = now;
    }
    let _ = child.kill();
    let _ = child.wait();
    seen
}

#[test]
fn a_pipe_leaves_a_core_for_reading_and_writing() {
    let desk = Desk::new();
    desk.user("alice");
    desk.user("bob");
    let status = Command::new("mkfifo")
        .arg(desk.path("in.fifo"))
        .status()
        .expect("mkfifo runs");
    assert!(status.success());
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    assert_eq!(
        pool_threads_while_sealing(&desk, Input::Pipe, None),
        cores.saturating_sub(1).max(1),
        "{cores} cores, standard input a pipe: one pool thread fewer, at least one"
    );
    assert_eq!(
        pool_threads_while_sealing(&desk, Input::Path, None),
        cores,
        "{cores} cores, no pipe on standard input or output: a thread per core"
    );
    assert_eq!(
        pool_threads_while_sealing(&desk, Input::Pipe, Some("3")),
        3,
        "RAYON_NUM_THREADS wins"
    );
}

/// Under an address-space limit the pool gets only the threads the limit
/// holds, whatever `RAYON_NUM_THREADS` asks: with 16 threads under
/// `ulimit -v 300000`, threads starting while others made their C library
/// arenas found no room for their signal stacks, and the runtime aborted
/// the tool (SIGABRT) in about one run in 75.
#[test]
fn the_pool_fits_an_address_space_limit() {
    let desk = Desk::new();
    desk.user("alice");
    desk.user("bob");
    // (RAYON_NUM_THREADS, ulimit -v in KiB, pool threads, why)
    for (asked, limit, threads, why) in [
        ("16", "300000", 1, "300 MB: one pool thread"),
        ("16", "1000000", 6, "1 GB: six pool threads"),
        ("3", "1000000", 3, "fewer than the limit holds: as asked"),
        ("0", "300000", 1, "zero means one per core, still capped"),
    ] {
        assert_eq!(
            pool_threads_while_sealing_under(&desk, Input::Pipe, Some(asked), limit),
            threads,
            "{why}"
        );
    }
}

/// Standard output as a pipe: after the tool wrote to it, the pipe's buffer
/// is 1 MiB (or at least a quarter of that, where the system caps pipes
/// lower), not the kernel's 64 KiB, and the bytes are all there.
#[test]
fn a_pipe_on_standard_output_is_widened() {
    let desk = Desk::new();
    desk.user("alice");
    desk.user("bob");
    desk.write("note.txt", &[5u8; 100_000]);
    let (mut out, into) = std::io::pipe().expect("a pipe");
    let before = rustix::pipe::fcntl_getpipe_size(&out).expect("a pipe's size");
    let mut child = Command::new(common::BIN)
        .current_dir(desk.root())
        .env_remove("DOORMAT_CONTACTS")
        .args(["seal", "-i", "alice.key", "-R", "./bob.pub", "note.txt"])
        .stdout(into)
        .stderr(Stdio::null())
        .spawn()
        .expect("doormat starts");
    let mut sealed = Vec::new();
    std::io::Read::read_to_end(&mut out, &mut sealed).expect("the envelope");
    assert!(child.wait().expect("doormat ends").success());
    let after = rustix::pipe::fcntl_getpipe_size(&out).expect("a pipe's size");
    assert!(sealed.len() > 100_000, "{} bytes sealed", sealed.len());
    assert!(before <= 64 << 10, "the pipe started at {before} bytes");
    assert!(
        after >= 256 << 10,
        "the pipe is {after} bytes after the tool"
    );
}
