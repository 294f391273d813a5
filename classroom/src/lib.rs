//! **The doormat classroom in the browser.** One command on the teacher's
//! machine starts a web server; students open its page, join with a name
//! and get a simulated phone. Every "who can read this" on the page is a
//! real decryption attempt made by the server with the doormat library:
//! the recipient, the other students, the service, an eavesdropper, the
//! state with the escrow key, a criminal with a leaked copy, whoever seized
//! a phone, the service scanning pictures. The teacher's page switches the
//! room between end to end, the escrow mandate and client-side scanning,
//! leaks the key, hands out the superencryption tool, splits the key into
//! custody shares, seizes a phone, adds a protest poster to the scanning
//! list, moves the class through the lesson of `docs/CLASSROOM.md` and
//! shows the tally.
//!
//! The phones' keys live in the server's memory — the page says so — and
//! nothing is written to disk. Every bound is in [`Limits`]; every refusal
//! is a [`Refusal`] with its HTTP status.
//!
//! ```no_run
//! # async fn run() -> std::io::Result<()> {
//! use doormat_classroom::{serve, Classroom, Limits};
//!
//! let classroom = Classroom::new(Limits::default()).expect("the OS generator");
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
//! println!("teacher: http://{}/#teacher={}", listener.local_addr()?, classroom.teacher_token());
//! serve(listener, classroom, async { let _ = tokio::signal::ctrl_c().await; }).await
//! # }
//! ```

#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod custody;
mod http;
mod lesson;
mod limits;
mod readers;
mod refusal;
mod room;
mod scanning;
mod teacher;
mod view;

use std::future::Future;
use std::sync::{Arc, Mutex};

use tokio::net::TcpListener;
use tokio::sync::{watch, OwnedSemaphorePermit, Semaphore};
use zeroize::Zeroizing;

pub use http::{SESSION_HEADER, TEACHER_HEADER};
pub use limits::Limits;
pub use refusal::Refusal;

use room::Room;

/// A classroom: the room's state and the teacher token, shared by every
/// request. Cloning gives another handle to the same room.
#[derive(Clone)]
pub struct Classroom(Arc<Shared>);

struct Shared {
    room: Mutex<Room>,
    limits: Limits,
    teacher: Zeroizing<String>,
    /// The room's version, for the live updates.
    changes: watch::Sender<u64>,
    /// Set when the server stops: live updates end.
    stopping: watch::Sender<bool>,
    streams: Arc<Semaphore>,
    /// When served on a loopback address: the `Host` values it answers to.
    hosts: std::sync::OnceLock<Vec<String>>,
}

impl Classroom {
    /// An empty room with fresh keys and a new random teacher token.
    ///
    /// # Errors
    ///
    /// [`Refusal::Internal`] if the operating system's generator fails.
    pub fn new(limits: Limits) -> Result<Classroom, Refusal> {
        Ok(Classroom(Arc::new(Shared {
            room: Mutex::new(Room::new(limits.clone())?),
            teacher: room::token()?,
            changes: watch::channel(0).0,
            stopping: watch::channel(false).0,
            streams: Arc::new(Semaphore::new(limits.max_streams)),
            hosts: std::sync::OnceLock::new(),
            limits,
        })))
    }

    /// The teacher token: whoever has it runs the room. The server prints
    /// it once, in the teacher's link.
    pub fn teacher_token(&self) -> &str {
        &self.0.teacher
    }

    /// The room's bounds.
    pub fn limits(&self) -> &Limits {
        &self.0.limits
    }

    /// The page and the API, as an axum router.
    pub fn router(&self) -> axum::Router {
        http::router(self.clone())
    }

    /// Whether a request's `Host` is one this server answers to: any, unless
    /// it serves on loopback.
    fn host_allowed(&self, host: Option<&str>) -> bool {
        match self.0.hosts.get() {
            None => true,
            Some(hosts) => host.is_some_and(|h| hosts.iter().any(|a| a.eq_ignore_ascii_case(h))),
        }
    }

    fn room(&self) -> &Mutex<Room> {
        &self.0.room
    }

    fn announce(&self, version: u64) {
        self.0.changes.send_if_modified(|v| {
            let changed = *v != version;
            *v = version;
            changed
        });
    }

    fn changes(&self) -> watch::Receiver<u64> {
        self.0.changes.subscribe()
    }

    fn stopping(&self) -> watch::Receiver<bool> {
        self.0.stopping.subscribe()
    }

    fn stream_permit(&self) -> Result<OwnedSemaphorePermit, Refusal> {
        Arc::clone(&self.0.streams)
            .try_acquire_owned()
            .map_err(|_| Refusal::TooManyStreams(self.0.limits.max_streams))
    }
}

/// Serves the classroom on `listener` until `shutdown` completes, then
/// ends every live update and returns once the open requests are answered.
///
/// # Errors
///
/// The listener's I/O errors.
pub async fn serve(
    listener: TcpListener,
    classroom: Classroom,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    // On loopback only this machine can connect, but a page of another
    // site can rename itself to 127.0.0.1 (DNS rebinding) and send its
    // requests here: they carry its own host name, and are refused.
    let addr = listener.local_addr()?;
    if addr.ip().is_loopback() {
        let port = addr.port();
        let hosts = [
            format!("127.0.0.1:{port}"),
            format!("localhost:{port}"),
            format!("[::1]:{port}"),
        ];
        let _ = classroom.0.hosts.set(hosts.into());
    }
    let app = classroom.router();
    let stopping = classroom.0.stopping.clone();
    let signal = async move {
        shutdown.await;
        stopping.send_replace(true);
    };
    axum::serve(listener, app)
        .with_graceful_shutdown(signal)
        .await
}
