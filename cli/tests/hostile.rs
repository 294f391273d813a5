//! What a hostile header can cost the tool: a 300-byte envelope whose header
//! claims 16 MiB chunks, opened with 16 worker threads under a 1 GB
//! address-space limit (`ulimit -v`), as a mail gateway might run it.
//! Before the streaming buffers grew with the bytes that really arrive (and
//! batches were capped in bytes), each batch reserved 4 × threads × chunk:
//! 1 GiB of address space for 300 bytes, and the tool died with SIGABRT
//! (exit 134, in no exit table). Now it opens the envelope and reports its
//! peak memory.

#![cfg(target_os = "linux")]

mod common;

use std::process::Command;

use common::Desk;
use doormat::e2e::Sealer;
use doormat::keys::Identity;

/// Runs the tool under `ulimit -v 1000000` (about 1 GB of address space)
/// with `threads` worker threads; its exit code and everything it printed.
fn run_limited(desk: &Desk, args: &str, threads: usize) -> (Option<i32>, String) {
    let script = format!("ulimit -v 1000000; exec \"{}\" {args} 2>&1; ", common::BIN);
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
        let (code, text) = run_limited(&desk, "open -i bob.key -o out.txt tiny.dm", threads);
        assert_eq!(code, Some(0), "{threads} threads: {text}");
        assert_eq!(desk.read("out.txt"), b"a few bytes in a huge chunk");
        std::fs::remove_file(desk.path("out.txt")).unwrap();
    }
}
