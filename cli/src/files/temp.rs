//! Temporary files beside their destination, renamed into place, and the
//! syncs that make that durable.

use std::fs::{self, File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};

use doormat::random::{SystemRng, TryRng};

use super::output::{describe, Sensitivity};
use crate::failure::Failure;

/// A temporary file, removed when dropped unless persisted.
#[derive(Debug)]
pub(super) struct TempPath {
    path: PathBuf,
    persisted: bool,
}

impl TempPath {
    /// A new, hidden file in `dest`'s directory, so the final rename stays
    /// on one file system (and so is atomic). Its permissions are those
    /// of `sensitivity` from creation; when it will replace the regular
    /// file `old`, it is created owner-only and then takes `old`'s owner
    /// and mode (see [`adopt`]) before anything is written to it.
    pub(super) fn create_beside(
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
                SystemRng
                    .try_next_u64()
                    .map_err(|e| Failure::new(crate::failure::Code::Io, e.to_string()))?
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
    pub(super) fn persist(self, dest: &Path, force: bool) -> Result<(), Failure> {
        let dir = self.path.parent().unwrap_or(Path::new(".")).to_path_buf();
        self.persist_unsynced(dest, force)?;
        sync_dir(&dir).map_err(|e| Failure::io(dir.display(), &e))
    }

    /// [`TempPath::persist`] without syncing the directory after, for a
    /// caller that moves several files into one directory and syncs it
    /// once.
    pub(super) fn persist_unsynced(mut self, dest: &Path, force: bool) -> Result<(), Failure> {
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
pub(super) fn sync_dir(dir: &Path) -> io::Result<()> {
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
