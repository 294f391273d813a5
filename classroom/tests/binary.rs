//! The `doormat-classroom` binary as a teacher runs it: it prints where to
//! go, serves, and stops cleanly on Ctrl-C (SIGINT).

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

use common::request;

const BINARY: &str = env!("CARGO_BIN_EXE_doormat-classroom");

/// Starts the binary listening on `listen`: the process, the rest of its
/// standard output, and what it printed up to its Ctrl-C line.
fn start(listen: &str) -> (Child, BufReader<ChildStdout>, String) {
    let mut child = Command::new(BINARY)
        .args(["--listen", listen])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let mut out = BufReader::new(child.stdout.take().expect("stdout"));
    let mut printed = String::new();
    while !printed.contains("Ctrl-C") {
        assert_ne!(out.read_line(&mut printed).expect("read"), 0, "{printed}");
    }
    (child, out, printed)
}

/// Sends SIGINT, as Ctrl-C does.
fn interrupt(child: &Child) {
    let sent = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(sent.success());
}

#[test]
fn it_prints_the_links_serves_and_stops_on_ctrl_c() {
    let (mut child, mut out, printed) = start("127.0.0.1:0");
    let teacher = printed
        .lines()
        .find_map(|l| l.strip_prefix("teacher:  http://"))
        .expect("a teacher link");
    let (addr, token) = teacher.split_once("/#teacher=").expect("addr and token");
    assert_eq!(token.len(), 64, "a 32-byte token in hex");
    assert!(
        !printed.contains("warning"),
        "loopback needs no warning: {printed}"
    );
    let addr = addr.parse().expect("an address");
    assert!(request(addr, "GET", "/", &[], None)
        .text()
        .contains("doormat classroom"));
    let room = request(
        addr,
        "GET",
        "/api/room",
        &[("x-doormat-teacher", token)],
        None,
    );
    assert_eq!(room.status, 200, "the printed token is the teacher's");

    let started = Instant::now();
    interrupt(&child);
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        assert!(started.elapsed() < Duration::from_secs(10), "no clean stop");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "{status:?}");
    let mut rest = String::new();
    while out.read_line(&mut rest).expect("read") > 0 {}
    assert!(rest.contains("stopped"), "{rest}");
}

#[test]
fn it_says_why_it_cannot_listen() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("a port");
    let addr = taken.local_addr().expect("its address").to_string();
    let out = Command::new(BINARY)
        .args(["--listen", &addr])
        .output()
        .expect("the binary runs");
    assert!(!out.status.success());
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains(&format!("cannot listen on {addr}")), "{said}");
}

#[test]
fn it_warns_when_opened_to_the_network() {
    let (mut child, _out, printed) = start("0.0.0.0:0");
    interrupt(&child);
    assert!(child.wait().expect("wait").success());
    assert!(printed.contains("every network interface"), "{printed}");
    assert!(
        printed.contains("warning: anyone who reaches this address can join"),
        "{printed}"
    );
}
