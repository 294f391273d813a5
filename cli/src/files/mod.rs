//! Where bytes come from and go to: standard streams or files, and the
//! behaviour people expect of both.
//!
//! * An output file is written to a temporary file beside it and renamed
//!   into place only when the command succeeds, so a failed `open` leaves no
//!   partial plaintext behind; the temporary file is removed on failure.
//!   The write is durable: the file is synced before the rename and its
//!   directory after it, so once the command succeeds the output survives
//!   a crash. A large file is synced in the background while it is
//!   written, so the last sync has little left to do.
//! * An existing output is never replaced without `--force`. With it, the
//!   new file takes the replaced file's mode (and its owner and group
//!   where the system allows; if the group cannot be kept, the group loses
//!   its access), set before the first byte is written: `--force` neither
//!   loosens nor tightens who reads the output. A symlink is replaced
//!   itself, never followed.
//! * Secret outputs (keys, shares) and decrypted plaintext are created
//!   owner-only (0600) from the first byte, whatever the umask, not
//!   chmod-ed after. A secret replacing a file is owner-only too.
//! * `-o /dev/stdout` (`/dev/fd/1`, `/proc/self/fd/1`) is standard output
//!   itself, written through this process's descriptor whatever it is (a
//!   pipe, a terminal, a file redirected with `>` or `>>`); likewise
//!   `/dev/stderr`. The name is never opened, nor replaced.
//! * A FIFO or character device named by `-o` (a named pipe,
//!   `/dev/null`, `/dev/tty`), through symlinks, is written
//!   in place, as standard output is: that is what such a path means, and
//!   `--force` is not needed, since nothing is replaced. It is never
//!   renamed over: as root, `-o /dev/null --force` must not replace the
//!   system's `/dev/null` with a file of plaintext. A FIFO or device that
//!   belongs to another user than this one or root is refused (in a shared
//!   folder it could be a trap for the plaintext), except this process's
//!   own standard output or error. What was written to a stream cannot be
//!   withdrawn if opening fails later, as on standard output; the error
//!   says how much went out. A directory, socket or block device is
//!   refused, with or without `--force`.
//! * A secret (a key, shares) is never written to a terminal, whether
//!   standard output or a device named by `-o`: it would stay in the
//!   scrollback and the terminal's log.
//! * A progress bar is drawn on standard error only when it is a terminal.
//! * A process killed mid-way (not one that fails) leaves its hidden
//!   temporary file, `.NAME.PID.RANDOM.doormat-tmp`, for the user to remove.
//! * Several secret files into one folder (`authority split --out-dir`)
//!   appear all or none, and a new folder is owner-only (0700).
//! * Nothing is buffered between the library and a descriptor: see
//!   [`Output`].
//!
//! `output` holds the outputs, `temp` the temporary files and syncs,
//! `shares` the all-or-nothing folder, `text` what a terminal may show.

mod output;
mod shares;
mod temp;
mod text;

use std::fmt;
use std::fs::File;
use std::io::{self, IsTerminal, Read, Write};
use std::path::Path;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::failure::Failure;

pub use output::{Output, Sensitivity};
pub use shares::write_secret_files;
pub use text::TextOnly;

/// A standard stream as a file of its own: a duplicate of its descriptor,
/// so that reads and writes go straight to it. The library already reads
/// and writes whole chunks and batches; std's own layers would only copy
/// them again (standard output's `LineWriter` splits binary data at its
/// last newline and holds back the rest; standard input's 8 KiB
/// `BufReader`).
fn std_stream(stream: &impl StdStream) -> io::Result<File> {
    let file = stream.duplicate()?;
    widen_pipe(&file);
    Ok(file)
}

/// A pipe's buffer, 64 KiB by default, made 1 MiB (Linux's default limit
/// for users) where the system allows. The library hands the output a
/// batch of 1 MiB at a time, and through 64 KiB the writer and the reader
/// took turns sixteen times a batch: on two cores, 512 MiB opened to `cat`
/// took a median 0.91 s against 0.44 s with ChaCha20-Poly1305, and 0.57 s
/// against 0.28 s with AES-256-GCM. Not a pipe, or refused: nothing changes.
#[cfg(target_os = "linux")]
fn widen_pipe(file: &File) {
    use rustix::pipe::{fcntl_getpipe_size, fcntl_setpipe_size};
    use std::os::unix::fs::FileTypeExt;

    const PIPE_SIZE: usize = 1 << 20;
    let is_pipe = file.metadata().is_ok_and(|m| m.file_type().is_fifo());
    if is_pipe && fcntl_getpipe_size(file).is_ok_and(|size| size < PIPE_SIZE) {
        // Above /proc/sys/fs/pipe-max-size this fails; a quarter may not.
        let _ = fcntl_setpipe_size(file, PIPE_SIZE)
            .or_else(|_| fcntl_setpipe_size(file, PIPE_SIZE / 4));
    }
}

#[cfg(not(target_os = "linux"))]
fn widen_pipe(_: &File) {}

/// Whether a standard stream is a pipe (or a named one).
#[cfg(unix)]
pub fn is_pipe(stream: &impl std::os::fd::AsFd) -> bool {
    use std::os::unix::fs::FileTypeExt;
    stream
        .duplicate()
        .and_then(|file| file.metadata())
        .is_ok_and(|m| m.file_type().is_fifo())
}

/// Whether a standard stream is a pipe: never said off Unix.
#[cfg(not(unix))]
pub fn is_pipe<T>(_: &T) -> bool {
    false
}

/// What [`std_stream`] needs of a standard stream.
trait StdStream {
    fn duplicate(&self) -> io::Result<File>;
}

#[cfg(unix)]
impl<T: std::os::fd::AsFd> StdStream for T {
    fn duplicate(&self) -> io::Result<File> {
        Ok(File::from(self.as_fd().try_clone_to_owned()?))
    }
}

#[cfg(windows)]
impl<T: std::os::windows::io::AsHandle> StdStream for T {
    fn duplicate(&self) -> io::Result<File> {
        Ok(File::from(self.as_handle().try_clone_to_owned()?))
    }
}

/// Whether `path` names a standard stream: absent, or `-`.
fn is_stdio(path: Option<&Path>) -> bool {
    path.is_none_or(|p| p == Path::new("-"))
}

/// A named input: a file, or standard input.
pub struct Input {
    /// What to call it in messages.
    pub name: String,
    /// Its length, when it is a regular file (for the progress bar).
    pub len: Option<u64>,
    reader: Box<dyn Read>,
}

impl fmt::Debug for Input {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Input({})", self.name)
    }
}

impl Input {
    /// Opens `path`, or standard input when it is absent or `-`.
    ///
    /// # Errors
    ///
    /// An I/O failure naming the file.
    pub fn open(path: Option<&Path>) -> Result<Input, Failure> {
        if is_stdio(path) {
            let name = "standard input";
            let file = std_stream(&io::stdin()).map_err(|e| Failure::io(name, &e))?;
            // A file redirected to standard input has a length too.
            let len = file
                .metadata()
                .ok()
                .filter(|m| m.is_file())
                .map(|m| m.len());
            return Ok(Input {
                name: name.into(),
                len,
                reader: Box::new(file),
            });
        }
        let path = path.expect("not standard input");
        let name = path.display().to_string();
        let file = File::open(path).map_err(|e| Failure::io(&name, &e))?;
        let meta = file.metadata().map_err(|e| Failure::io(&name, &e))?;
        if meta.is_dir() {
            return Err(Failure::new(
                crate::failure::Code::Io,
                format!("{name} is a directory"),
            ));
        }
        Ok(Input {
            name,
            len: meta.is_file().then_some(meta.len()),
            reader: Box::new(file),
        })
    }

    /// The input as a reader whose errors name it.
    pub fn into_reader(self) -> Box<dyn Read> {
        Box::new(Labeled::new(self.name, self.reader))
    }

    /// The first `n` bytes (fewer at the end of the input), and a reader
    /// that yields them again followed by the rest: a peek that works on
    /// pipes.
    ///
    /// # Errors
    ///
    /// An I/O failure naming the input.
    pub fn peek(self, n: usize) -> Result<(Vec<u8>, Box<dyn Read>), Failure> {
        let mut head = Vec::with_capacity(n);
        let mut reader = self.reader;
        (&mut reader)
            .take(n as u64)
            .read_to_end(&mut head)
            .map_err(|e| Failure::io(&self.name, &e))?;
        let again = io::Cursor::new(head.clone()).chain(reader);
        Ok((head, Box::new(Labeled::new(self.name, again))))
    }
}

/// Attaches a name to the I/O errors of a reader or writer, keeping their
/// kind, so "No such device" becomes "out.txt: No such device".
#[derive(Debug)]
pub struct Labeled<T> {
    name: String,
    inner: T,
}

impl<T> Labeled<T> {
    /// `inner`, whose errors will name `name`.
    pub fn new(name: String, inner: T) -> Labeled<T> {
        Labeled { name, inner }
    }

    fn label(&self, e: io::Error) -> io::Error {
        label(&self.name, e)
    }
}

/// `e`, with `name` in front of its message; errors that carry their own
/// meaning (armor, refusals) pass as they are.
fn label(name: &str, e: io::Error) -> io::Error {
    if e.get_ref().is_some() {
        return e;
    }
    io::Error::new(e.kind(), format!("{name}: {e}"))
}

impl<T: Read> Read for Labeled<T> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.read(buf).map_err(|e| self.label(e))
    }
}

impl<T: Write> Write for Labeled<T> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.inner.write(buf).map_err(|e| self.label(e))
    }

    fn write_vectored(&mut self, bufs: &[io::IoSlice<'_>]) -> io::Result<usize> {
        self.inner.write_vectored(bufs).map_err(|e| self.label(e))
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush().map_err(|e| self.label(e))
    }
}

/// A progress bar for `len` bytes (or a byte counter when the length is
/// unknown), drawn on standard error only when it is a terminal — and not
/// when the output goes to that same screen, where it would garble it.
pub fn progress(message: &'static str, len: Option<u64>, output: &Output) -> ProgressBar {
    if !io::stderr().is_terminal() || output.is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = match len {
        Some(len) => ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr())
            .with_style(
                ProgressStyle::with_template(
                    "{msg} [{bar:30}] {bytes}/{total_bytes} ({bytes_per_sec}, {eta})",
                )
                .expect("a valid template")
                .progress_chars("=> "),
            ),
        None => ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr()).with_style(
            ProgressStyle::with_template("{msg} {bytes} ({bytes_per_sec})")
                .expect("a valid template"),
        ),
    };
    bar.with_message(message)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::failure::Refusal;

    #[test]
    fn labels_name_the_file_but_keep_meaningful_errors() {
        let named = Labeled::new("x.txt".into(), ());
        let plain = named.label(io::Error::from(io::ErrorKind::NotFound));
        assert!(plain.to_string().starts_with("x.txt: "), "{plain}");
        let refusal = named.label(Refusal("no").into_io());
        assert_eq!(refusal.to_string(), "no");
    }
}
