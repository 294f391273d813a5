//! Outputs: standard output, a FIFO or device written in place, or a
//! file that appears, durably, only when the command succeeds (see the
//! module above for the rules).

use std::fs::{self, File, OpenOptions};
use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};

use super::temp::TempPath;
use super::{is_stdio, label, std_stream};
use crate::failure::Failure;

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
    pub(super) fn new_mode(self) -> u32 {
        match self {
            Sensitivity::Public => 0o666,
            Sensitivity::Plaintext | Sensitivity::Secret => 0o600,
        }
    }

    /// The mode of a file that replaces one of mode `old` (exactly: the
    /// umask does not apply). Never looser than the file it replaces, and
    /// never looser than owner-only for a secret.
    #[cfg(unix)]
    pub(super) fn replacing_mode(self, old: u32) -> u32 {
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
    /// A duplicate of standard output's (or error's) descriptor
    /// ([`std_stream`]), so its offset and append mode are shared.
    Stdout {
        file: File,
        terminal: bool,
        name: &'static str,
    },
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

/// A standard stream, as `-o` may name it.
#[derive(Debug, Clone, Copy)]
enum Standard {
    Output,
    Error,
}

impl Standard {
    /// The stream a path names by convention (`/dev/stdout`, `/dev/fd/1`,
    /// `/proc/self/fd/1`, and 2 for standard error): written through this
    /// process's own descriptor, whatever it is, even a regular file
    /// (`> out.txt`, whose offset and append mode it then shares). Never
    /// opened by its name: as root, `--force` must not replace the
    /// system's `/dev/stdout` link, and reopening a redirected file would
    /// start at its beginning.
    fn named(path: &Path) -> Option<Standard> {
        let path = path.to_str()?;
        match path {
            "/dev/stdout" | "/dev/fd/1" | "/proc/self/fd/1" => Some(Standard::Output),
            "/dev/stderr" | "/dev/fd/2" | "/proc/self/fd/2" => Some(Standard::Error),
            _ => None,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Standard::Output => "standard output",
            Standard::Error => "standard error",
        }
    }
}

/// What `-o` names, and so what writing to it means.
#[derive(Debug)]
pub(super) enum Destination {
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
        let standard = if is_stdio(path) {
            Some(Standard::Output)
        } else {
            path.and_then(Standard::named)
        };
        let target = if let Some(standard) = standard {
            let name = standard.name();
            let file = match standard {
                Standard::Output => std_stream(&io::stdout()),
                Standard::Error => std_stream(&io::stderr()),
            }
            .map_err(|e| Failure::io(name, &e))?;
            Target::Stdout {
                terminal: file.is_terminal(),
                file,
                name,
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
            Target::Stdout { name, .. } => (*name).into(),
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
    /// Counts `n` bytes written, and lets the syncer know.
    fn wrote(&mut self, n: usize) {
        self.written += n as u64;
        if let Target::File { file, syncer, .. } = &mut self.target {
            syncer.wrote(file, n);
        }
    }

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
        self.wrote(n);
        Ok(n)
    }

    /// The library hands an opened batch over as one vectored write: one
    /// system call for many chunks.
    fn write_vectored(&mut self, bufs: &[io::IoSlice<'_>]) -> io::Result<usize> {
        let n = self
            .file()
            .write_vectored(bufs)
            .map_err(|e| label(&self.name(), e))?;
        self.wrote(n);
        Ok(n)
    }

    /// Nothing to flush: nothing is buffered.
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// A special file's kind, in words, for messages.
pub(super) fn describe(file_type: fs::FileType) -> &'static str {
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
    pub(super) fn of(dest: &Path, force: bool) -> Result<Destination, Failure> {
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
