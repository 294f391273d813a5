//! Several secret files into one folder, all or nothing (key shares).

use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use doormat::random::{SystemRng, TryRng};
use zeroize::Zeroizing;

use super::output::{Destination, Sensitivity};
use super::temp::{sync_dir, TempPath};
use crate::failure::Failure;

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
            SystemRng
                .try_next_u64()
                .map_err(|e| Failure::new(crate::failure::Code::Io, e.to_string()))?
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
