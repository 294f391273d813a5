//! Where bytes come from and go to: standard streams or files, and the
//! behaviour people expect of both.
//!
//! * An output file is written to a temporary file beside it and renamed
//!   into place only when the command succeeds, so a failed `open` leaves no
//!   partial plaintext behind; the temporary file is removed on failure.
//!   The write is durable: the file is synced before the rename and its
//!   directory after it, so once the command succeeds the output survives
//!   a crash.
//! * An existing output is never replaced without `--force`. With it, the
//!   new file takes the replaced file's mode (and its owner and group
//!   where the system allows; if the group cannot be kept, the group loses
//!   its access), set before the first byte is written: `--force` neither
//!   loosens nor tightens who reads the output. A symlink is replaced
//!   itself, never followed.
//! * Secret outputs (keys, shares) and decrypted plaintext are created
//!   owner-only (0600) from the first byte, whatever the umask, not
//!   chmod-ed after. A secret replacing a file is owner-only too.
//! * A FIFO or character device named by `-o` (a named pipe,
//!   `/dev/stdout`, `/dev/null`, `/dev/tty`), through symlinks, is written
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

use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io::{self, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};

use doormat::random::{RngCore, SystemRng};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use zeroize::Zeroizing;

use crate::failure::{Failure, Refusal};

/// A standard stream as a file of its own: a duplicate of its descriptor,
/// so that reads and writes go straight to it. The library already reads
/// and writes whole chunks and batches; std's own layers would only copy
/// them again (standard output's `LineWriter` splits binary data at its
/// last newline and holds back the rest; standard input's 8 KiB
/// `BufReader`).
fn std_stream(stream: &impl StdStream) -> io::Result<File> {
    stream.duplicate()
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

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush().map_err(|e| self.label(e))
    }
}

/// What an output may hold, which decides its permissions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sensitivity {
    /// Envelopes and public keys: a new file gets the usual permissions
    /// (0666 less the umask).
    Public,
    /// Decrypted plaintext: a new file is owner-only (0600) from its first
    /// byte, whatever the umask.
    Plaintext,
    /// Secret keys and key shares: owner-only, whether new or replacing.
    Secret,
}

impl Sensitivity {
    /// The mode a new file is created with (the umask then applies).
    #[cfg(unix)]
    fn new_mode(self) -> u32 {
        match self {
            Sensitivity::Public => 0o666,
            Sensitivity::Plaintext | Sensitivity::Secret => 0o600,
        }
    }

    /// The mode of a file that replaces one of mode `old` (exactly: the
    /// umask does not apply). Never looser than the file it replaces, and
    /// never looser than owner-only for a secret.
    #[cfg(unix)]
    fn replacing_mode(self, old: u32) -> u32 {
        match self {
            Sensitivity::Public | Sensitivity::Plaintext => old & 0o777,
            Sensitivity::Secret => old & 0o600,
        }
    }
}

/// Where a command writes: standard output, a FIFO or character device
/// written in place, or a temporary file that becomes the output file on
/// [`Output::commit`].
#[derive(Debug)]
pub struct Output {
    target: Target,
    written: u64,
}

///
/// Every target is a plain file descriptor, written without a buffer in
/// front: the library writes whole sealed batches (about 1 MiB) when
/// sealing and whole 64 KiB chunks when opening, and a buffer would only
/// copy them once more. Callers that write small pieces (armor) bring
/// their own buffer.
#[derive(Debug)]
enum Target {
    /// A duplicate of standard output's descriptor ([`std_stream`]).
    Stdout { file: File, terminal: bool },
    /// A FIFO or character device named by `-o`: written in place, as
    /// standard output is, never replaced.
    Stream {
        file: File,
        name: String,
        terminal: bool,
    },
    File {
        file: File,
        temp: TempPath,
        dest: PathBuf,
        force: bool,
        syncer: Syncer,
    },
}

/// The durable write's syncing, started while the file is being written:
/// after every [`Syncer::EVERY`] bytes a thread of its own asks the system
/// to write what is dirty (`fdatasync` on a duplicate of the descriptor),
/// while the command goes on sealing or opening. The sync at the end then
/// finds little left to write, instead of all of it at once: writing back
/// overlaps the work instead of following it. Only for large outputs:
/// the thread starts at the first kick.
#[derive(Debug, Default)]
struct Syncer {
    kick: Option<std::sync::mpsc::SyncSender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
    unsynced: u64,
}

impl Syncer {
    /// Bytes written between two background syncs.
    const EVERY: u64 = 32 << 20;

    /// Counts `n` more bytes written to `file`; kicks a background sync
    /// every [`Syncer::EVERY`] bytes, unless one is still running (it
    /// then covers part of them, and the next kick the rest).
    fn wrote(&mut self, file: &File, n: usize) {
        self.unsynced += n as u64;
        if self.unsynced < Syncer::EVERY {
            return;
        }
        self.unsynced = 0;
        if self.kick.is_none() {
            // Without a thread, the final sync does it all, as before.
            let Ok(dup) = file.try_clone() else { return };
            let (kick, kicked) = std::sync::mpsc::sync_channel::<()>(1);
            let thread = std::thread::Builder::new()
                .name("doormat-sync".into())
                .spawn(move || {
                    // Errors show again, and are reported, at the final sync.
                    while kicked.recv().is_ok() {
                        let _ = dup.sync_data();
                    }
                });
            let Ok(thread) = thread else { return };
            (self.kick, self.thread) = (Some(kick), Some(thread));
        }
        if let Some(kick) = &self.kick {
            let _ = kick.try_send(());
        }
    }

    /// Stops the thread, after its sync in progress.
    fn finish(&mut self) {
        self.kick = None;
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// What `-o` names, and so what writing to it means.
#[derive(Debug)]
enum Destination {
    /// Nothing (or a dangling symlink): a new file.
    Absent,
    /// A regular file or a symlink, with `--force`: replaced by the new
    /// file (a symlink itself, never its target). The metadata of the
    /// regular file being replaced, to keep its mode and owner.
    Replace(Option<fs::Metadata>),
    /// A FIFO or a character device, possibly behind symlinks
    /// (`/dev/stdout`): written in place.
    Stream,
}

impl Output {
    /// Standard output when `path` is absent or `-`; the FIFO or character
    /// device `path` names, opened in place; otherwise a temporary file
    /// beside `path`, refused at once if `path` exists and `force` is not
    /// set, or if it is a directory or another special file.
    ///
    /// # Errors
    ///
    /// A usage failure if the output exists, is a special file that is not
    /// written in place, or is a terminal and the output a secret; an I/O
    /// failure if the output or its temporary file cannot be opened.
    pub fn create(
        path: Option<&Path>,
        force: bool,
        sensitivity: Sensitivity,
    ) -> Result<Output, Failure> {
        let target = if is_stdio(path) {
            let file = std_stream(&io::stdout()).map_err(|e| Failure::io("standard output", &e))?;
            Target::Stdout {
                terminal: file.is_terminal(),
                file,
            }
        } else {
            let dest = path.expect("not standard output").to_path_buf();
            match Destination::of(&dest, force)? {
                Destination::Stream => {
                    let file = open_stream(&dest)?;
                    Target::Stream {
                        terminal: file.is_terminal(),
                        file,
                        name: dest.display().to_string(),
                    }
                }
                Destination::Absent => {
                    let (file, temp) = TempPath::create_beside(&dest, sensitivity, None)?;
                    Target::File {
                        file,
                        temp,
                        dest,
                        force,
                        syncer: Syncer::default(),
                    }
                }
                Destination::Replace(old) => {
                    let (file, temp) = TempPath::create_beside(&dest, sensitivity, old.as_ref())?;
                    Target::File {
                        file,
                        temp,
                        dest,
                        force,
                        syncer: Syncer::default(),
                    }
                }
            }
        };
        let output = Output { target, written: 0 };
        if sensitivity == Sensitivity::Secret && output.is_terminal() {
            // As age does: a secret on the screen is in the scrollback, in
            // the terminal's log, and over the shoulder.
            return Err(Failure::usage(
                "refusing to write a secret key to a terminal: use -o FILE, or redirect \
                 standard output to a file",
            ));
        }
        Ok(output)
    }

    /// Whether this writes to a terminal (standard output, or a terminal
    /// device named by `-o`).
    pub fn is_terminal(&self) -> bool {
        matches!(
            &self.target,
            Target::Stdout { terminal: true, .. } | Target::Stream { terminal: true, .. }
        )
    }

    /// Whether what was written can still be withdrawn: a file that only
    /// appears on [`Output::commit`], not a stream whose reader already
    /// has the bytes.
    pub fn can_withdraw(&self) -> bool {
        matches!(&self.target, Target::File { .. })
    }

    /// What to call the output in messages.
    pub fn name(&self) -> String {
        match &self.target {
            Target::Stdout { .. } => "standard output".into(),
            Target::Stream { name, .. } => name.clone(),
            Target::File { dest, .. } => dest.display().to_string(),
        }
    }

    /// How many bytes have been written so far.
    pub fn written(&self) -> u64 {
        self.written
    }

    /// Flushes; for a file, syncs it and renames the temporary file into
    /// place (refusing, without `--force`, an output that appeared
    /// meanwhile, and always one that became a special file).
    ///
    /// # Errors
    ///
    /// An I/O failure; a usage failure if the output appeared meanwhile.
    pub fn commit(self) -> Result<(), Failure> {
        let name = self.name();
        match self.target {
            // Nothing is buffered: every byte is with the descriptor.
            Target::Stdout { .. } | Target::Stream { .. } => Ok(()),
            Target::File {
                file,
                temp,
                dest,
                force,
                mut syncer,
            } => {
                syncer.finish();
                file.sync_all().map_err(|e| Failure::io(&name, &e))?;
                drop(file);
                temp.persist(&dest, force)
            }
        }
    }
}

impl Output {
    fn file(&mut self) -> &mut File {
        match &mut self.target {
            Target::Stdout { file, .. }
            | Target::Stream { file, .. }
            | Target::File { file, .. } => file,
        }
    }
}

impl Write for Output {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.file().write(buf).map_err(|e| label(&self.name(), e))?;
        self.written += n as u64;
        if let Target::File { file, syncer, .. } = &mut self.target {
            syncer.wrote(file, n);
        }
        Ok(n)
    }

    /// Nothing to flush: nothing is buffered.
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// A special file's kind, in words, for messages.
fn describe(file_type: fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_socket() {
            return "a socket";
        }
        if file_type.is_block_device() {
            return "a block device";
        }
    }
    if file_type.is_dir() {
        return "a directory";
    }
    "not a regular file"
}

/// Whether a file is one that `-o` writes in place: a FIFO or a character
/// device.
fn is_stream(file_type: fs::FileType) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        file_type.is_fifo() || file_type.is_char_device()
    }
    #[cfg(not(unix))]
    {
        let _ = file_type;
        false
    }
}

impl Destination {
    /// What `dest` is, refusing a directory or another special file, and
    /// an existing output without `force`.
    fn of(dest: &Path, force: bool) -> Result<Destination, Failure> {
        let name = dest.display();
        // Following symlinks: `/dev/stdout` is a link to a pipe, a
        // terminal or a file.
        if fs::metadata(dest).is_ok_and(|m| is_stream(m.file_type())) {
            return Ok(Destination::Stream);
        }
        match fs::symlink_metadata(dest) {
            Ok(meta) if meta.is_dir() => Err(Failure::usage(format!(
                "{name} is a directory: name an output file"
            ))),
            Ok(meta) if !meta.is_file() && !meta.file_type().is_symlink() => {
                Err(Failure::usage(format!(
                    "{name} is {}: doormat writes regular files, and writes FIFOs and \
                     character devices in place; it never replaces another kind of file",
                    describe(meta.file_type())
                )))
            }
            Ok(_) if !force => Err(Failure::usage(format!(
                "{name} already exists: use --force to replace it"
            ))),
            Ok(meta) => Ok(Destination::Replace(meta.is_file().then_some(meta))),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(Destination::Absent),
            Err(e) => Err(Failure::io(name, &e)),
        }
    }
}

/// Opens a FIFO or character device for writing in place: never created,
/// never truncated. One that belongs to another user (other than root) is
/// refused before it is opened: in a shared folder it could be someone's
/// trap for the plaintext. Once open, it must still be the file that was
/// checked (it may have been swapped meanwhile).
fn open_stream(dest: &Path) -> Result<File, Failure> {
    let name = dest.display().to_string();
    let checked = fs::metadata(dest).map_err(|e| Failure::io(&name, &e))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        // This process's own standard output or error (`/dev/stdout`) is
        // fine whoever made the pipe. Linux names them under /proc/self,
        // and names the process's user as the owner of /proc/self.
        let own = ["/proc/self/fd/1", "/proc/self/fd/2"].iter().any(|fd| {
            fs::metadata(fd).is_ok_and(|m| m.dev() == checked.dev() && m.ino() == checked.ino())
        });
        let me = fs::metadata("/proc/self").map(|m| m.uid()).ok();
        if !own && checked.uid() != 0 && me.is_some_and(|me| me != checked.uid()) {
            return Err(Failure::usage(format!(
                "{name} is a FIFO or device that belongs to another user: \
                 refusing to write to it"
            )));
        }
    }
    // Blocks, for a FIFO, until a reader opens it: what a FIFO is for.
    let file = OpenOptions::new()
        .write(true)
        .open(dest)
        .map_err(|e| Failure::io(&name, &e))?;
    let opened = file.metadata().map_err(|e| Failure::io(&name, &e))?;
    #[cfg(unix)]
    let same = {
        use std::os::unix::fs::MetadataExt;
        opened.dev() == checked.dev() && opened.ino() == checked.ino()
    };
    #[cfg(not(unix))]
    let same = true;
    if !same || !is_stream(opened.file_type()) {
        return Err(Failure::usage(format!(
            "{name} changed while it was opened: run the command again"
        )));
    }
    Ok(file)
}

/// A temporary file, removed when dropped unless persisted.
#[derive(Debug)]
struct TempPath {
    path: PathBuf,
    persisted: bool,
}

impl TempPath {
    /// A new, hidden file in `dest`'s directory, so the final rename stays
    /// on one file system (and so is atomic). Its permissions are those
    /// of `sensitivity` from creation; when it will replace the regular
    /// file `old`, it is created owner-only and then takes `old`'s owner
    /// and mode (see [`adopt`]) before anything is written to it.
    fn create_beside(
        dest: &Path,
        sensitivity: Sensitivity,
        old: Option<&fs::Metadata>,
    ) -> Result<(File, TempPath), Failure> {
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
                SystemRng.next_u64()
            ));
            let mut options = OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::OpenOptionsExt;
                options.mode(match old {
                    Some(_) => 0o600,
                    None => sensitivity.new_mode(),
                });
            }
            match options.open(&path) {
                Ok(file) => {
                    let temp = TempPath {
                        path,
                        persisted: false,
                    };
                    if let Some(old) = old {
                        adopt(&file, old, sensitivity)
                            .map_err(|e| Failure::io(dir.display(), &e))?;
                    }
                    #[cfg(not(unix))]
                    let _ = sensitivity;
                    return Ok((file, temp));
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
    /// and a rename do. With `force`, a rename replaces a regular file or
    /// a symlink, and nothing else.
    fn persist(self, dest: &Path, force: bool) -> Result<(), Failure> {
        let dir = self.path.parent().unwrap_or(Path::new(".")).to_path_buf();
        self.persist_unsynced(dest, force)?;
        sync_dir(&dir).map_err(|e| Failure::io(dir.display(), &e))
    }

    /// [`TempPath::persist`] without syncing the directory after, for a
    /// caller that moves several files into one directory and syncs it
    /// once.
    fn persist_unsynced(mut self, dest: &Path, force: bool) -> Result<(), Failure> {
        let name = dest.display();
        if force {
            // A special file that appeared since `create` is never replaced.
            if let Ok(meta) = fs::symlink_metadata(dest) {
                if !meta.is_file() && !meta.file_type().is_symlink() {
                    return Err(Failure::usage(format!(
                        "{name} became {} while the command ran: not replaced",
                        describe(meta.file_type())
                    )));
                }
            }
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
                    if fs::symlink_metadata(dest).is_ok() {
                        return Err(Failure::usage(format!(
                            "{name} already exists: use --force to replace it"
                        )));
                    }
                    fs::rename(&self.path, dest).map_err(|e| Failure::io(&name, &e))?;
                }
            }
        }
        self.persisted = true;
        Ok(())
    }
}

/// Syncs a directory, so that a new name in it (a rename, a link)
/// survives a crash: syncing the file's data does not sync its name. Part
/// of a durable write; a file system that cannot sync a directory is let
/// be.
pub fn sync_dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        let dir = if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        };
        match File::open(dir).and_then(|d| d.sync_all()) {
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::InvalidInput | io::ErrorKind::Unsupported
                ) =>
            {
                Ok(())
            }
            done => done,
        }
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        Ok(())
    }
}

/// Gives `file` (new, owner-only, empty) the owner, group and mode of the
/// file `old` it will replace, so `--force` neither loosens nor tightens
/// who can read the output (a secret stays owner-only: see
/// [`Sensitivity::replacing_mode`]). The owner and group are kept where
/// the system allows (as root, or as a member of the group); if the
/// group cannot be kept, the group's permissions are dropped, so that no
/// other group gains access.
#[cfg(unix)]
fn adopt(file: &File, old: &fs::Metadata, sensitivity: Sensitivity) -> io::Result<()> {
    use std::os::unix::fs::{fchown, MetadataExt, PermissionsExt};
    let mine = file.metadata()?;
    let mut mode = sensitivity.replacing_mode(old.mode());
    if mine.uid() != old.uid() || mine.gid() != old.gid() {
        let kept = fchown(file, Some(old.uid()), Some(old.gid()))
            .or_else(|_| fchown(file, None, Some(old.gid())));
        if kept.is_err() {
            mode &= !0o070;
        }
    }
    file.set_permissions(fs::Permissions::from_mode(mode))
}

#[cfg(not(unix))]
fn adopt(_: &File, _: &fs::Metadata, _: Sensitivity) -> io::Result<()> {
    Ok(())
}

impl Drop for TempPath {
    fn drop(&mut self) {
        if !self.persisted {
            let _ = fs::remove_file(&self.path);
        }
    }
}

/// Writes secret files (name and text) into the directory `dir`, each
/// owner-only, all or nothing: a failure leaves no new file behind, and
/// without `force` nothing that was there changes.
///
/// * A new `dir` is built as a hidden folder beside it (0700, whatever the
///   umask), its files synced, and renamed into place at the end, then its
///   parent synced: the folder appears complete or not at all. Missing
///   parents are created as usual.
/// * In an existing `dir`, every existing name is checked first (refused
///   without `force`, and refused always if it is not a regular file or a
///   symlink), then every file is written and synced beside its name, and
///   only then are they moved into place; if one cannot be, the ones
///   already moved are removed again (with `force`, what they replaced is
///   lost: a mix of two splits' shares rebuilds nothing). Then `dir` is
///   synced.
///
/// # Errors
///
/// A usage failure for an output that exists or is a special file; an I/O
/// failure naming the file or folder.
pub fn write_secret_files(
    dir: &Path,
    files: &[(String, Zeroizing<String>)],
    force: bool,
) -> Result<(), Failure> {
    match fs::metadata(dir) {
        Ok(meta) if meta.is_dir() => write_into_existing(dir, files, force),
        Ok(_) => Err(Failure::usage(format!(
            "{} exists and is not a directory",
            dir.display()
        ))),
        Err(e) if e.kind() == io::ErrorKind::NotFound => write_new_dir(dir, files),
        Err(e) => Err(Failure::io(dir.display(), &e)),
    }
}

/// A temporary directory, removed with what it holds when dropped unless
/// persisted.
#[derive(Debug)]
struct TempDir {
    path: PathBuf,
    persisted: bool,
}

impl Drop for TempDir {
    fn drop(&mut self) {
        if !self.persisted {
            let _ = fs::remove_dir_all(&self.path);
        }
    }
}

fn write_new_dir(dir: &Path, files: &[(String, Zeroizing<String>)]) -> Result<(), Failure> {
    let name = dir.display();
    let parent = match dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    fs::create_dir_all(&parent).map_err(|e| Failure::io(parent.display(), &e))?;
    let base = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "shares".into());
    let temp = TempDir {
        path: parent.join(format!(
            ".{base}.{}.{:016x}.doormat-tmp",
            std::process::id(),
            SystemRng.next_u64()
        )),
        persisted: false,
    };
    let mut builder = fs::DirBuilder::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder
        .create(&temp.path)
        .map_err(|e| Failure::io(parent.display(), &e))?;
    #[cfg(unix)]
    {
        // Exactly 0700: a umask may have taken the owner's own bits too.
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(&temp.path, fs::Permissions::from_mode(0o700))
            .map_err(|e| Failure::io(&name, &e))?;
    }
    for (file_name, text) in files {
        let path = temp.path.join(file_name);
        let mut options = OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let shown = dir.join(file_name).display().to_string();
        let mut file = options.open(&path).map_err(|e| Failure::io(&shown, &e))?;
        file.write_all(text.as_bytes())
            .and_then(|()| file.sync_all())
            .map_err(|e| Failure::io(&shown, &e))?;
    }
    sync_dir(&temp.path).map_err(|e| Failure::io(&name, &e))?;
    let mut temp = temp;
    if let Err(e) = fs::rename(&temp.path, dir) {
        if fs::symlink_metadata(dir).is_ok() {
            return Err(Failure::usage(format!(
                "{name} appeared while the command ran: nothing written"
            )));
        }
        return Err(Failure::io(&name, &e));
    }
    temp.persisted = true;
    sync_dir(&parent).map_err(|e| Failure::io(parent.display(), &e))
}

fn write_into_existing(
    dir: &Path,
    files: &[(String, Zeroizing<String>)],
    force: bool,
) -> Result<(), Failure> {
    // Everything checked before anything is written.
    let mut olds = Vec::with_capacity(files.len());
    for (file_name, _) in files {
        let dest = dir.join(file_name);
        let old = match Destination::of(&dest, force)? {
            Destination::Absent => None,
            Destination::Replace(old) => old,
            Destination::Stream => {
                return Err(Failure::usage(format!(
                    "{} is a FIFO or device: a key share goes to a file",
                    dest.display()
                )))
            }
        };
        olds.push(old);
    }
    // Written and synced beside their names.
    let mut written = Vec::with_capacity(files.len());
    for ((file_name, text), old) in files.iter().zip(&olds) {
        let dest = dir.join(file_name);
        let shown = dest.display().to_string();
        let (mut file, temp) = TempPath::create_beside(&dest, Sensitivity::Secret, old.as_ref())?;
        file.write_all(text.as_bytes())
            .and_then(|()| file.sync_all())
            .map_err(|e| Failure::io(&shown, &e))?;
        written.push((temp, dest));
    }
    // Moved into place; undone if one cannot be.
    let mut placed: Vec<PathBuf> = Vec::with_capacity(files.len());
    for (temp, dest) in written.drain(..) {
        if let Err(mut failure) = temp.persist_unsynced(&dest, force) {
            for done in &placed {
                let _ = fs::remove_file(done);
            }
            if force && !placed.is_empty() {
                failure.message.push_str(
                    " (the shares already written were removed again, and what they \
                     replaced is gone: split again)",
                );
            }
            return Err(failure);
        }
        placed.push(dest);
    }
    sync_dir(dir).map_err(|e| Failure::io(dir.display(), &e))
}

/// Passes text through to a terminal and refuses everything else: a
/// control character would garble the screen, or start an escape sequence
/// that drives the terminal. Text here is UTF-8 without control
/// characters other than tab and line feed, and with a carriage return
/// only before a line feed (CRLF): a bare one returns to the start of the
/// line, and what follows overwrites what the line said. Refused:
///
/// * C0 controls (below 0x20, but tab, line feed and CRLF) and DEL;
/// * C1 controls, as the characters U+0080 to U+009F (U+009B is CSI on a
///   terminal that takes 8-bit controls) and as raw bytes 0x80 to 0x9F,
///   which are not UTF-8 on their own;
/// * anything else that is not UTF-8 (binary, or a legacy 8-bit text
///   whose bytes a terminal may read as C1 controls).
///
/// A character or a CRLF split between two writes is held back until the
/// next write completes it, so no byte of a refused sequence is ever
/// written; [`TextOnly::finish`] refuses text that ends inside one.
#[derive(Debug)]
pub struct TextOnly<W> {
    inner: W,
    /// Bytes held back: the start of a character, or a carriage return.
    held: [u8; 4],
    held_len: usize,
    /// Continuation bytes the held character still needs.
    need: u8,
    /// The held character's code point so far.
    code: u32,
    /// The range the next continuation byte must be in (no overlong
    /// forms, no surrogates, nothing above U+10FFFF).
    next: (u8, u8),
    /// Whether the held byte is a carriage return.
    cr: bool,
}

impl<W: Write> TextOnly<W> {
    /// Text to `inner`, a terminal.
    pub fn new(inner: W) -> TextOnly<W> {
        TextOnly {
            inner,
            held: [0; 4],
            held_len: 0,
            need: 0,
            code: 0,
            next: (0x80, 0xbf),
            cr: false,
        }
    }

    fn refusal() -> io::Error {
        Refusal("refusing to write binary data to a terminal: use -o FILE, or pipe it").into_io()
    }

    /// Takes one byte; `false` refuses it. Tracks whether a character or
    /// a CRLF is left incomplete.
    fn step(&mut self, b: u8) -> bool {
        if self.cr {
            self.cr = false;
            return b == b'\n';
        }
        if self.need > 0 {
            if !(self.next.0..=self.next.1).contains(&b) {
                return false;
            }
            self.code = self.code << 6 | u32::from(b & 0x3f);
            self.next = (0x80, 0xbf);
            self.need -= 1;
            return self.need > 0 || !(0x80..=0x9f).contains(&self.code);
        }
        let (need, code, next) = match b {
            b'\t' | b'\n' | 0x20..=0x7e => return true,
            b'\r' => {
                self.cr = true;
                return true;
            }
            0xc2..=0xdf => (1, b & 0x1f, (0x80, 0xbf)),
            0xe0 => (2, b & 0x0f, (0xa0, 0xbf)),
            0xe1..=0xec | 0xee | 0xef => (2, b & 0x0f, (0x80, 0xbf)),
            0xed => (2, b & 0x0f, (0x80, 0x9f)),
            0xf0 => (3, b & 0x07, (0x90, 0xbf)),
            0xf1..=0xf3 => (3, b & 0x07, (0x80, 0xbf)),
            0xf4 => (3, b & 0x07, (0x80, 0x8f)),
            // C0 controls and DEL; raw C1 bytes and other continuation
            // bytes out of place; bytes that never occur in UTF-8.
            _ => return false,
        };
        (self.need, self.code, self.next) = (need, u32::from(code), next);
        true
    }

    /// How many bytes at the end of what was taken belong to an unfinished
    /// character or CRLF: they are held back.
    fn unfinished(&self, taken_since_lead: usize) -> usize {
        if self.cr {
            1
        } else if self.need > 0 {
            taken_since_lead
        } else {
            0
        }
    }

    /// Ends the text: refused if it ends inside a character or after a
    /// bare carriage return.
    ///
    /// # Errors
    ///
    /// The refusal, as an I/O error ([`Refusal`]).
    pub fn finish(&mut self) -> io::Result<()> {
        if self.cr || self.need > 0 {
            return Err(TextOnly::<W>::refusal());
        }
        self.inner.flush()
    }
}

impl<W: Write> Write for TextOnly<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        // Check everything before writing anything; count the bytes of
        // the last character (or CR) begun, held ones included.
        let mut since_lead = self.held_len;
        for &b in buf {
            let starts = self.need == 0 && !self.cr;
            if !self.step(b) {
                return Err(TextOnly::<W>::refusal());
            }
            since_lead = if starts { 1 } else { since_lead + 1 };
        }
        let tail = self.unfinished(since_lead);
        if tail > buf.len() {
            // Still the held character: hold this too.
            self.held[self.held_len..tail].copy_from_slice(buf);
            self.held_len = tail;
            return Ok(buf.len());
        }
        let keep = buf.len() - tail;
        if self.held_len > 0 {
            self.inner.write_all(&self.held[..self.held_len])?;
        }
        self.inner.write_all(&buf[..keep])?;
        self.held[..tail].copy_from_slice(&buf[keep..]);
        self.held_len = tail;
        Ok(buf.len())
    }

    /// Flushes what was written; a held character stays held.
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
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
        let mut out = TextOnly::new(Vec::new());
        out.write_all(b"hello\tworld\r\n").unwrap();
        out.finish().unwrap();
        assert_eq!(out.inner, b"hello\tworld\r\n");
        for bad in [&b"doormat\x01"[..], b"\x1b[2J", b"a\0b", b"\x7f"] {
            let e = TextOnly::new(Vec::new()).write_all(bad).unwrap_err();
            assert_eq!(e.kind(), io::ErrorKind::InvalidInput);
        }
    }

    /// Writes `pieces` in turn and finishes; whether everything was
    /// accepted. What was accepted is written whole, in order.
    fn accepted(pieces: &[&[u8]]) -> bool {
        let mut out = TextOnly::new(Vec::new());
        let ok = pieces.iter().all(|piece| out.write_all(piece).is_ok()) && out.finish().is_ok();
        if ok {
            assert_eq!(out.inner, pieces.concat());
        }
        ok
    }

    #[test]
    fn c1_controls_and_bare_carriage_returns_are_refused() {
        // C1 controls: 0x9b is CSI to a terminal that takes 8-bit
        // controls, raw or as the character U+009B; U+0085 is NEL.
        for bad in [
            &b"red \x9b31m"[..],
            b"\x85",
            "red \u{9b}31m".as_bytes(),
            "next\u{85}line".as_bytes(),
            "\u{80}".as_bytes(),
            "\u{9f}".as_bytes(),
        ] {
            assert!(!accepted(&[bad]), "{bad:?}");
        }
        // A carriage return not followed by a line feed overwrites the line.
        assert!(!accepted(&[b"all is well\rno it is not\n"]));
        // Split across writes.
        assert!(!accepted(&[b"red \xc2", b"\x9b31m"]));
        assert!(!accepted(&[b"overwrite\r", b"me"]));
        // At the very end, or cut inside a character.
        assert!(!accepted(&[b"all done\r"]));
        assert!(!accepted(&["caf\u{e9}".as_bytes().split_last().unwrap().1]));
        // Nothing of a refused sequence is written, even its first byte.
        let mut out = TextOnly::new(Vec::new());
        out.write_all(b"ok \xc2").unwrap();
        assert!(out.write_all(b"\x9b").is_err());
        assert_eq!(out.inner, b"ok ");
        // What is text passes, split anywhere.
        assert!(accepted(&[b"dos\r", b"\nline\r\n"]));
        assert!(accepted(&["caf\u{e9} \u{a0}\u{2014} \u{1f600}".as_bytes()]));
        let text = "na\u{ef}ve \u{1f600}\r\n".as_bytes();
        for at in 0..text.len() {
            assert!(accepted(&[&text[..at], &text[at..]]), "split at {at}");
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
