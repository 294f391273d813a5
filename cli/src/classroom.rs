//! `doormat classroom`: the classroom lab in the browser. The web server is
//! a binary of its own, `doormat-classroom` (the `classroom/` workspace
//! member), so this tool carries no web stack: the command runs that
//! binary, found beside this one or on the `PATH`, with the arguments it
//! was given.

use std::path::PathBuf;
use std::process::Command;

use crate::cli::ClassroomArgs;
use crate::failure::Failure;

/// The binary's name.
const PROGRAM: &str = "doormat-classroom";

/// Where `doormat-classroom` is: beside this binary (as `cargo build` and
/// `cargo install` put them), else on the `PATH`.
fn find() -> Option<PathBuf> {
    let name = format!("{PROGRAM}{}", std::env::consts::EXE_SUFFIX);
    let beside = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|dir| dir.join(&name)));
    let path = std::env::var_os("PATH").unwrap_or_default();
    beside
        .into_iter()
        .chain(std::env::split_paths(&path).map(|dir| dir.join(&name)))
        .find(|p| p.is_file())
}

/// Runs `doormat-classroom` with `args`: on Unix it replaces this process,
/// so Ctrl-C reaches the server directly.
pub fn run(args: &ClassroomArgs) -> Result<(), Failure> {
    let program = find().ok_or_else(|| {
        Failure::usage(format!(
            "`doormat classroom` runs the {PROGRAM} binary, found neither beside this one nor \
             on the PATH: from a clone of the repository, run `cargo run --release -p \
             {PROGRAM}`, or install it with `cargo install --path classroom`"
        ))
    })?;
    let mut command = Command::new(&program);
    command.args(&args.args);
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        // `exec` returns only if it failed.
        let e = command.exec();
        Err(Failure::io(program.display(), &e))
    }
    #[cfg(not(unix))]
    {
        let status = command
            .status()
            .map_err(|e| Failure::io(program.display(), &e))?;
        std::process::exit(status.code().unwrap_or(1));
    }
}
