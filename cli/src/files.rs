//! Where bytes come from and go to: standard streams or files, and the
//! behaviour people expect of both.
//!
//! * An output file is written to a temporary file beside it and renamed
//!   into place only when the command succeeds, so a failed `open` leaves no
//!   partial plaintext behind; the temporary file is removed on failure.
//! * An existing output is never replaced without `--force`.
//! * Secret outputs (keys, shares) are created owner-only (0600) from the
//!   first byte, not chmod-ed after.
//! * A progress bar is drawn on standard error only when it is a terminal.
//! * A process killed mid-way (not one that fails) leaves its hidden
//!   temporary file, `.NAME.PID.RANDOM.doormat-tmp`, for the user to remove.

use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};

use doormat::random::{SystemRng, TryRng};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::failure::{Failure, Refusal};

/// Streaming buffers: a few envelope chunks.
const BUFFER_LEN: usize = 256 << 10;

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
            return Ok(Input {
                name: "standard input".into(),
                len: None,
                reader: Box::new(io::stdin().lock()),
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

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush().map_err(|e| self.label(e))
    }
}

/// What an output may hold, which decides its permissions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sensitivity {
    /// Envelopes, public keys, plaintext: the usual permissions.
    Public,
    /// Secret keys and key shares: owner-only from creation.
    Secret,
}

/// Where a command writes: standard output, or a temporary file that
/// becomes the output file on [`Output::commit`].
#[derive(Debug)]
pub struct Output {
    target: Target,
    written: u64,
}

#[derive(Debug)]
enum Target {
    Stdout {
        writer: BufWriter<io::Stdout>,
        terminal: bool,
    },
    File {
        writer: BufWriter<File>,
        temp: TempPath,
        dest: PathBuf,
        force: bool,
    },
}

impl Output {
    /// Standard output when `path` is absent or `-`; otherwise a temporary
    /// file beside `path`, refused at once if `path` exists and `force` is
    /// not set.
    ///
    /// # Errors
    ///
    /// A usage failure if the output exists; an I/O failure if the
    /// temporary file cannot be created.
    pub fn create(
        path: Option<&Path>,
        force: bool,
        sensitivity: Sensitivity,
    ) -> Result<Output, Failure> {
        if is_stdio(path) {
            return Ok(Output {
                target: Target::Stdout {
                    terminal: io::stdout().is_terminal(),
                    writer: BufWriter::with_capacity(BUFFER_LEN, io::stdout()),
                },
                written: 0,
            });
        }
        let dest = path.expect("not standard output").to_path_buf();
        refuse_existing(&dest, force)?;
        let (file, temp) = TempPath::create_beside(&dest, sensitivity)?;
        Ok(Output {
            target: Target::File {
                writer: BufWriter::with_capacity(BUFFER_LEN, file),
                temp,
                dest,
                force,
            },
            written: 0,
        })
    }

    /// Whether this is standard output and standard output is a terminal.
    pub fn is_terminal(&self) -> bool {
        matches!(&self.target, Target::Stdout { terminal: true, .. })
    }

    /// What to call the output in messages.
    pub fn name(&self) -> String {
        match &self.target {
            Target::Stdout { .. } => "standard output".into(),
            Target::File { dest, .. } => dest.display().to_string(),
        }
    }

    /// How many bytes have been written so far.
    pub fn written(&self) -> u64 {
        self.written
    }

    /// Flushes, syncs and renames the temporary file into place (refusing,
    /// without `--force`, an output that appeared meanwhile).
    ///
    /// # Errors
    ///
    /// An I/O failure; a usage failure if the output appeared meanwhile.
    pub fn commit(self) -> Result<(), Failure> {
        let name = self.name();
        match self.target {
            Target::Stdout { mut writer, .. } => writer.flush().map_err(|e| Failure::io(name, &e)),
            Target::File {
                writer,
                temp,
                dest,
                force,
            } => {
                let file = writer
                    .into_inner()
                    .map_err(|e| Failure::io(&name, e.error()))?;
                file.sync_all().map_err(|e| Failure::io(&name, &e))?;
                drop(file);
                temp.persist(&dest, force)
            }
        }
    }
}

impl Write for Output {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = match &mut self.target {
            Target::Stdout { writer, .. } => writer.write(buf),
            Target::File { writer, .. } => writer.write(buf),
        }
        .map_err(|e| label(&self.name(), e))?;
        self.written += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        match &mut self.target {
            Target::Stdout { writer, .. } => writer.flush(),
            Target::File { writer, .. } => writer.flush(),
        }
        .map_err(|e| label(&self.name(), e))
    }
}

/// Refuses an existing output unless `force`, and a directory always.
fn refuse_existing(dest: &Path, force: bool) -> Result<(), Failure> {
    match fs::symlink_metadata(dest) {
        Ok(meta) if meta.is_dir() => Err(Failure::usage(format!(
            "{} is a directory: name an output file",
            dest.display()
        ))),
        Ok(_) if !force => Err(Failure::usage(format!(
            "{} already exists: use --force to replace it",
            dest.display()
        ))),
        _ => Ok(()),
    }
}

/// A temporary file, removed when dropped unless persisted.
#[derive(Debug)]
struct TempPath {
    path: PathBuf,
    persisted: bool,
}

impl TempPath {
    /// A new, hidden file in `dest`'s directory, so the final rename stays
    /// on one file system (and so is atomic).
    fn create_beside(dest: &Path, sensitivity: Sensitivity) -> Result<(File, TempPath), Failure> {
        let dir = match dest.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let base = dest
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "output".into());
        let mut last_error = None;
        for _ in 0..16 {
            let path = dir.join(format!(
                ".{base}.{}.{:016x}.doormat-tmp",
                std::process::id(),
                SystemRng
                    .try_next_u64()
                    .map_err(|e| Failure::new(crate::failure::Code::Io, e.to_string()))?
            ));
            let mut options = OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::OpenOptionsExt;
                options.mode(match sensitivity {
                    Sensitivity::Secret => 0o600,
                    Sensitivity::Public => 0o666,
                });
            }
            #[cfg(not(unix))]
            let _ = sensitivity;
            match options.open(&path) {
                Ok(file) => {
                    return Ok((
                        file,
                        TempPath {
                            path,
                            persisted: false,
                        },
                    ))
                }
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => last_error = Some(e),
                Err(e) => return Err(Failure::io(dir.display(), &e)),
            }
        }
        let e = last_error.unwrap_or_else(|| io::Error::from(io::ErrorKind::AlreadyExists));
        Err(Failure::io(dir.display(), &e))
    }

    /// Moves the file to `dest`. Without `force`, a hard link refuses an
    /// existing `dest` atomically; where links are not supported, a check
    /// and a rename do.
    fn persist(mut self, dest: &Path, force: bool) -> Result<(), Failure> {
        let name = dest.display();
        if force {
            fs::rename(&self.path, dest).map_err(|e| Failure::io(&name, &e))?;
        } else {
            match fs::hard_link(&self.path, dest) {
                Ok(()) => {
                    let _ = fs::remove_file(&self.path);
                }
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                    return Err(Failure::usage(format!(
                        "{name} already exists: use --force to replace it"
                    )))
                }
                Err(_) => {
                    refuse_existing(dest, false)?;
                    fs::rename(&self.path, dest).map_err(|e| Failure::io(&name, &e))?;
                }
            }
        }
        self.persisted = true;
        Ok(())
    }
}

impl Drop for TempPath {
    fn drop(&mut self) {
        if !self.persisted {
            let _ = fs::remove_file(&self.path);
        }
    }
}

/// Passes text through to a terminal and refuses binary: control bytes
/// (other than tab, newline and carriage return) would garble the screen,
/// or be escape sequences that drive the terminal.
#[derive(Debug)]
pub struct TextOnly<W>(pub W);

impl<W: Write> Write for TextOnly<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let binary = buf
            .iter()
            .any(|&b| (b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r')) || b == 0x7f);
        if binary {
            return Err(Refusal(
                "refusing to write binary data to a terminal: use -o FILE, or pipe it",
            )
            .into_io());
        }
        self.0.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
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

    #[test]
    fn text_passes_and_binary_is_refused() {
        let mut out = TextOnly(Vec::new());
        out.write_all(b"hello\tworld\r\n").unwrap();
        assert_eq!(out.0, b"hello\tworld\r\n");
        for bad in [&b"doormat\x01"[..], b"\x1b[2J", b"a\0b", b"\x7f"] {
            let e = TextOnly(Vec::new()).write_all(bad).unwrap_err();
            assert_eq!(e.kind(), io::ErrorKind::InvalidInput);
        }
    }

    #[test]
    fn labels_name_the_file_but_keep_meaningful_errors() {
        let named = Labeled::new("x.txt".into(), ());
        let plain = named.label(io::Error::from(io::ErrorKind::NotFound));
        assert!(plain.to_string().starts_with("x.txt: "), "{plain}");
        let refusal = named.label(Refusal("no").into_io());
        assert_eq!(refusal.to_string(), "no");
    }
}
