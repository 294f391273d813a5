//! `doormat-classroom` (also `doormat classroom`): the classroom lab in the
//! browser. Run it on the teacher's machine, open the teacher link on the
//! projector, and let the students open the page.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

use std::future::Future;
use std::net::SocketAddr;
use std::process::ExitCode;

use clap::Parser;
use doormat_classroom::{serve, Classroom, Limits};

/// The doormat classroom in the browser: a simulated phone for every
/// student, every "who can read this" a real decryption. Keys live in this
/// server's memory only; nothing is written to disk. Ctrl-C stops it.
#[derive(Debug, Parser)]
#[command(name = "doormat classroom", version)]
struct Args {
    /// Where to listen. The default takes only this machine; for a class
    /// network give this machine's address (e.g. 0.0.0.0:8080): everyone
    /// who reaches it can join.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    listen: SocketAddr,

    /// Phones the room takes (1 to 1024).
    #[arg(long, value_name = "N", default_value_t = Limits::default().max_students as u16,
          value_parser = clap::value_parser!(u16).range(1..=1024))]
    max_students: u16,

    /// Messages the room keeps before it needs a reset (1 to 100000; a
    /// text takes at most about 5 KiB, a picture about 14 KiB).
    #[arg(long, value_name = "N", default_value_t = Limits::default().max_messages as u32,
          value_parser = clap::value_parser!(u32).range(1..=100_000))]
    max_messages: u32,
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    let limits = Limits {
        max_students: usize::from(args.max_students),
        max_messages: args.max_messages as usize,
        ..Limits::default()
    };
    let classroom = match Classroom::new(limits) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("doormat classroom: error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let listener = match tokio::net::TcpListener::bind(args.listen).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!(
                "doormat classroom: error: cannot listen on {}: {e}",
                args.listen
            );
            return ExitCode::FAILURE;
        }
    };
    let addr = match listener.local_addr() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("doormat classroom: error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let stop = match stop_signals() {
        Ok(stop) => stop,
        Err(e) => {
            eprintln!("doormat classroom: error: cannot listen for Ctrl-C: {e}");
            return ExitCode::FAILURE;
        }
    };
    announce(addr, classroom.teacher_token());
    match serve(listener, classroom, stop).await {
        Ok(()) => {
            println!("doormat classroom: stopped; the room and its keys are gone");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("doormat classroom: error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Prints where students and the teacher go.
fn announce(addr: SocketAddr, token: &str) {
    let port = addr.port();
    if addr.ip().is_unspecified() {
        println!("doormat classroom: listening on every network interface, port {port}");
        println!("students: open http://<this machine's address>:{port}/");
        println!("teacher:  http://127.0.0.1:{port}/#teacher={token}");
    } else {
        println!("doormat classroom: listening on {addr}");
        println!("students: open http://{addr}/");
        println!("teacher:  http://{addr}/#teacher={token}");
    }
    if !addr.ip().is_loopback() {
        println!(
            "warning: anyone who reaches this address can join the room; the teacher link \
             is the only key to the teacher's page: keep it off the projector"
        );
    }
    println!("Ctrl-C stops the server; nothing is written to disk.");
}

/// Completes on Ctrl-C (SIGINT) or SIGTERM. The handlers are installed
/// when this is called, so a Ctrl-C right after the links are printed
/// already stops the server cleanly.
#[cfg(unix)]
fn stop_signals() -> std::io::Result<impl Future<Output = ()>> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut interrupt = signal(SignalKind::interrupt())?;
    let mut terminate = signal(SignalKind::terminate())?;
    Ok(async move {
        tokio::select! {
            _ = interrupt.recv() => {}
            _ = terminate.recv() => {}
        }
    })
}

/// Completes on Ctrl-C.
#[cfg(not(unix))]
fn stop_signals() -> std::io::Result<impl Future<Output = ()>> {
    Ok(async {
        // Without a handler there is no Ctrl-C to wait for: run until killed.
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    })
}
