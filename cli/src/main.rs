//! `doormat`: the command-line tool of the doormat crate, with age's
//! conventions, built on the library's public API only. A classroom tool:
//! students seal to each other, the teacher plays the escrow authority.
//!
//! Run `doormat --help`; the lab is in `docs/CLASSROOM.md`.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod classroom;
mod cli;
mod envelope;
mod failure;
mod files;
mod inspect;
mod keyfile;
mod keys;

use std::process::ExitCode;

use clap::error::ErrorKind;
use clap::{CommandFactory, FromArgMatches};

use crate::cli::{AuthorityCommand, Cli, Command, EscrowCommand};
use crate::failure::{Code, Failure, EXIT_CODES};
use crate::keyfile::Contacts;

/// Every command's help ends with the exit codes, not only the top level's.
fn with_exit_codes(command: clap::Command) -> clap::Command {
    command
        .after_help(EXIT_CODES)
        .mut_subcommands(with_exit_codes)
}

fn main() -> ExitCode {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    // Before clap, which echoes an argument it does not expect whole.
    if let Err(failure) = keyfile::refuse_secret_arguments(args.get(1..).unwrap_or_default()) {
        eprintln!("doormat: error: {}", failure.message);
        return failure.exit_code();
    }
    let parsed = with_exit_codes(Cli::command())
        .try_get_matches_from(args)
        .and_then(|matches| Cli::from_arg_matches(&matches));
    let cli = match parsed {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            // clap's usage errors exit 2; ours is 1, and 2 means I/O.
            return match e.kind() {
                ErrorKind::DisplayHelp
                | ErrorKind::DisplayVersion
                | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => ExitCode::SUCCESS,
                _ => ExitCode::from(Code::Usage as u8),
            };
        }
    };
    if !matches!(cli.command, Command::Classroom(..)) {
        leave_a_core_for_pipes();
    }
    match run(&cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("doormat: error: {}", failure.message);
            failure.exit_code()
        }
    }
}

/// doormat's pool starts one thread per core unless `RAYON_NUM_THREADS`
/// says otherwise. When standard input or output is a pipe, the main
/// thread, which reads and writes, and the process at the pipe's other end
/// need a core between them while the pool seals or opens: on two cores,
/// two pool threads beside them halved the speed to a pipe (512 MiB sealed
/// to `cat` in a median 0.54 s with one pool thread against 1.01 s with
/// two, opened in 0.45 against 1.13). Between files the pool keeps every
/// core (with one fewer, ChaCha20-Poly1305 to a file ran at 0.7 of the
/// speed). So, unless the user chose, a pipe costs the pool one thread.
/// Called before any thread starts, so nothing reads the environment
/// while it changes.
fn leave_a_core_for_pipes() {
    let pipes = files::is_pipe(&std::io::stdin()) || files::is_pipe(&std::io::stdout());
    if pipes && std::env::var_os("RAYON_NUM_THREADS").is_none() {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        std::env::set_var(
            "RAYON_NUM_THREADS",
            cores.saturating_sub(1).max(1).to_string(),
        );
    }
}

/// Runs one command.
fn run(cli: &Cli) -> Result<(), Failure> {
    // Only the commands that name people read the contacts file.
    let contacts = || Contacts::load(cli.contacts.as_deref());
    match &cli.command {
        Command::Keygen(args) => keys::keygen(args),
        Command::Public(args) => keys::public(args),
        Command::Fingerprint(args) => keys::fingerprint(args),
        Command::SafetyNumber(args) => keys::safety_number_of(args),
        Command::Seal(args) => envelope::seal(args, &contacts()?),
        Command::Open(args) => envelope::open(args, &contacts()?),
        Command::Inspect(args) => inspect::inspect(args, &contacts()?),
        Command::Escrow(command) => match command {
            EscrowCommand::Keygen(args) => keys::escrow_keygen(args),
            EscrowCommand::Public(args) => keys::escrow_public(args),
            EscrowCommand::Seal(args) => envelope::escrow_seal(args, &contacts()?),
            EscrowCommand::Open(args) => envelope::escrow_open(args, &contacts()?),
            EscrowCommand::Family(args) => keys::family(args),
        },
        Command::Authority(command) => match command {
            AuthorityCommand::Open(args) => envelope::authority_open(args, &contacts()?),
            AuthorityCommand::Split(args) => keys::split(args),
            AuthorityCommand::Recover(args) => keys::recover(args),
        },
        Command::Classroom(args) => classroom::run(args),
    }
}
