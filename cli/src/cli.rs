//! The command line, as clap reads it: age's conventions (`-r`, `-R`, `-i`,
//! `-o`, `-a`; standard input and output by default).

use std::path::PathBuf;

use clap::{ArgGroup, Args, Parser, Subcommand, ValueEnum};
use doormat::e2e::PayloadCipher;
use doormat::escrow::LeafCheck;

/// Seal, open and inspect doormat envelopes, and play the escrow authority:
/// a classroom tool for seeing why key escrow fails. The escrow commands are
/// a demonstration; never use them to protect anything.
#[derive(Debug, Parser)]
#[command(name = "doormat", version)]
pub struct Cli {
    /// Names for keys: lines of `doormat-public-1… NAME` or
    /// `doormat-escrow-1… NAME` (or their post-quantum forms,
    /// `doormat-public-pq-1…` and `doormat-escrow-pq-1…`). Used for
    /// `-r NAME` and `--expect-sender NAME`, and to name senders,
    /// recipients and authorities in messages.
    #[arg(long, global = true, value_name = "FILE", env = "DOORMAT_CONTACTS")]
    pub contacts: Option<PathBuf>,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Make a new identity: a secret key file (owner-only permissions).
    /// With -o, prints the public key on standard output; without, writes
    /// the secret to standard output, which must not be a terminal.
    /// Classical (X25519) unless --post-quantum.
    Keygen(KeygenArgs),
    /// Print the public key of a secret identity file.
    Public(KeyInput),
    /// Print the fingerprint of a key: public or secret, user or escrow.
    Fingerprint(KeyInput),
    /// Print the safety number of two users, to compare out of band.
    SafetyNumber(SafetyNumberArgs),
    /// Seal a file to recipients, signed by you.
    Seal(SealArgs),
    /// Open an envelope addressed to you. The verified sender and the signed
    /// recipient list go to standard error, and a warning when your key is
    /// post-quantum and some stanza is classical.
    Open(OpenArgs),
    /// Show what an observer without keys sees in an envelope.
    Inspect(InspectArgs),
    /// The key-escrowed twin, for users: keys, sealing, a compliant client.
    #[command(subcommand)]
    Escrow(EscrowCommand),
    /// What whoever holds the escrow key can do.
    #[command(subcommand)]
    Authority(AuthorityCommand),
    /// The classroom lab in the browser: runs the `doormat-classroom`
    /// server (beside this tool or on the PATH) with these arguments.
    /// `doormat classroom --help` shows its options.
    #[command(disable_help_flag = true)]
    Classroom(ClassroomArgs),
}

/// `classroom`: every argument goes to `doormat-classroom`.
#[derive(Debug, Args)]
pub struct ClassroomArgs {
    /// The server's arguments: `--listen ADDR`, `--help`, …
    #[arg(
        trailing_var_arg = true,
        allow_hyphen_values = true,
        value_name = "ARGS"
    )]
    pub args: Vec<std::ffi::OsString>,
}

/// Where an output goes.
#[derive(Debug, Args)]
pub struct OutputArgs {
    /// Write to FILE instead of standard output. The file appears only when
    /// the command succeeds; decrypted plaintext and secret keys are
    /// created owner-only (0600). /dev/stdout and /dev/stderr are this
    /// process's own streams, whatever they are. A FIFO or character
    /// device (a named pipe, /dev/null) of yours or root's is written in
    /// place, like standard output, and never replaced.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Replace the output file if it exists, keeping its permissions (a
    /// secret key stays owner-only). A symlink is replaced, not followed;
    /// a directory, socket or block device never is.
    #[arg(long)]
    pub force: bool,
}

/// `keygen`.
#[derive(Debug, Args)]
pub struct KeygenArgs {
    /// Make a post-quantum identity (X-Wing: ML-KEM-768 with X25519,
    /// `doormat-public-pq-1…`) instead of a classical X25519 one: what is
    /// sealed to it stays secret from a future quantum computer that
    /// records it today. Its public key is about 2.5 KB of text.
    #[arg(long)]
    pub post_quantum: bool,

    /// Where the secret goes.
    #[command(flatten)]
    pub out: OutputArgs,
}

/// `escrow keygen`.
#[derive(Debug, Args)]
pub struct EscrowKeygenArgs {
    /// Make a post-quantum authority key (X-Wing, `doormat-escrow-pq-1…`):
    /// its access fields stay closed to a future quantum computer. A
    /// classical key undoes post-quantum recipients' keys: whoever records
    /// an envelope reads it through the field once X25519 falls. Either
    /// way it is one key that opens every escrowed envelope.
    #[arg(long)]
    pub post_quantum: bool,

    /// Where the secret goes.
    #[command(flatten)]
    pub out: OutputArgs,
}

/// `escrow family`: a family key has no KEM, so no `--post-quantum`.
#[derive(Debug, Args)]
pub struct FamilyArgs {
    /// Where the secret goes.
    #[command(flatten)]
    pub out: OutputArgs,
}

/// A command that reads one key.
#[derive(Debug, Args)]
pub struct KeyInput {
    /// The key file (`-` or nothing: standard input), or a public key's
    /// text. A secret key is read from its file only: its text on the
    /// command line is refused (other users see the command line).
    #[arg(value_name = "KEY")]
    pub key: Option<String>,
}

/// `safety-number`.
#[derive(Debug, Args)]
pub struct SafetyNumberArgs {
    /// One user's public key (file or text), or your own secret key file
    /// (a file: secret key text on the command line is refused).
    #[arg(value_name = "A")]
    pub a: String,
    /// The other user's public key (file or text).
    #[arg(value_name = "B")]
    pub b: String,
}

/// The payload cipher.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum CipherArg {
    /// ChaCha20-Poly1305: fast everywhere.
    Chacha20poly1305,
    /// AES-256-GCM: fastest with AES instructions.
    Aes256gcm,
}

impl From<CipherArg> for PayloadCipher {
    fn from(c: CipherArg) -> PayloadCipher {
        match c {
            CipherArg::Chacha20poly1305 => PayloadCipher::ChaCha20Poly1305,
            CipherArg::Aes256gcm => PayloadCipher::Aes256Gcm,
        }
    }
}

/// `seal` and `escrow seal`.
#[derive(Debug, Args)]
pub struct SealArgs {
    /// Your secret identity file: the envelope is signed with it.
    #[arg(short, long, value_name = "FILE")]
    pub identity: PathBuf,

    /// A recipient: a `doormat-public-1…` or `doormat-public-pq-1…` key, a
    /// name from --contacts, or a file of one public key written with a
    /// `/` (`./bob.pub`). A bare word is always a contact's name, never a
    /// file. Repeat for more.
    #[arg(short, long = "recipient", value_name = "KEY|NAME|./FILE")]
    pub recipients: Vec<String>,

    /// A file of recipients' public keys, one a line (a contacts file
    /// works). Repeat for more.
    #[arg(short = 'R', long = "recipients-file", value_name = "FILE")]
    pub recipient_files: Vec<PathBuf>,

    /// The payload cipher.
    #[arg(long, value_enum, default_value_t = CipherArg::Chacha20poly1305)]
    pub cipher: CipherArg,

    /// Write armored text instead of binary, to paste into a chat or e-mail.
    #[arg(short, long)]
    pub armor: bool,

    /// Mark each stanza with its recipient's key id: faster to open with
    /// many recipients, but anyone with a candidate's public key can tell
    /// whether the envelope is addressed to them.
    #[arg(long)]
    pub key_ids: bool,

    /// Allow post-quantum and classical recipients in one envelope. Every
    /// recipient's stanza unlocks the content key, so one classical stanza
    /// lets a future quantum computer read what is recorded today; without
    /// this flag such a mix is refused.
    #[arg(long)]
    pub allow_mixed_kems: bool,

    /// Where the envelope goes.
    #[command(flatten)]
    pub out: OutputArgs,

    /// The file to seal (`-` or nothing: standard input).
    #[arg(value_name = "INPUT")]
    pub input: Option<PathBuf>,
}

/// `open`, and the common part of `escrow open`.
#[derive(Debug, Args)]
pub struct OpenArgs {
    /// Your secret identity file.
    #[arg(short, long, value_name = "FILE")]
    pub identity: PathBuf,

    /// Refuse the envelope unless this user signed it: a public key, a name
    /// from --contacts, or a file of one public key written with a `/`
    /// (`./alice.pub`). A bare word is always a contact's name, never a
    /// file, so a file planted in this folder cannot vouch for a sender.
    #[arg(long, value_name = "KEY|NAME|./FILE")]
    pub expect_sender: Option<String>,

    /// Where the plaintext goes.
    #[command(flatten)]
    pub out: OutputArgs,

    /// The envelope, binary or armored (`-` or nothing: standard input).
    #[arg(value_name = "INPUT")]
    pub input: Option<PathBuf>,
}

/// `inspect`.
#[derive(Debug, Args)]
pub struct InspectArgs {
    /// The envelope, binary or armored (`-` or nothing: standard input).
    #[arg(value_name = "INPUT")]
    pub input: Option<PathBuf>,
}

/// The escrow commands for users.
#[derive(Debug, Subcommand)]
pub enum EscrowCommand {
    /// Make the escrow authority's key (the teacher's). Whoever holds a copy
    /// reads every escrowed message. With -o, prints the escrow public key.
    /// Classical (X25519) unless --post-quantum.
    Keygen(EscrowKeygenArgs),
    /// Print the escrow public key of an authority's secret key file.
    Public(KeyInput),
    /// Seal like `seal`, plus an access field the authority opens.
    Seal(EscrowSealArgs),
    /// Open as a compliant client: refuse an envelope without a valid access
    /// field for the authority it complies with.
    Open(EscrowOpenArgs),
    /// Make a new family key: the secret every compliant client of a
    /// "family" shares, keying the 16-bit access-field checksum.
    Family(FamilyArgs),
}

/// `escrow seal`.
#[derive(Debug, Args)]
pub struct EscrowSealArgs {
    /// The escrow authority's public key (file, or `doormat-escrow-1…` or
    /// `doormat-escrow-pq-1…` text). A classical key with post-quantum
    /// recipients seals with a warning: a future quantum computer reads
    /// the envelope through the access field.
    #[arg(long, value_name = "KEY|FILE")]
    pub escrow_key: String,

    /// The family key for the access field's checksum (default: the
    /// classroom family built into this tool).
    #[arg(long, value_name = "FILE")]
    pub family: Option<PathBuf>,

    /// Everything `seal` takes.
    #[command(flatten)]
    pub seal: SealArgs,
}

/// How a compliant client checks the access field.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum PolicyArg {
    /// Recompute the whole field from the content key: unforgeable.
    Recompute,
    /// Check only the 16-bit checksum, as the Clipper chip did: about
    /// 65,536 tries forge a field that passes.
    Clipper16,
}

impl From<PolicyArg> for LeafCheck {
    fn from(p: PolicyArg) -> LeafCheck {
        match p {
            PolicyArg::Recompute => LeafCheck::Recompute,
            PolicyArg::Clipper16 => LeafCheck::Clipper16,
        }
    }
}

/// `escrow open`.
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("pin").required(true).args(["authority", "unpinned"])))]
pub struct EscrowOpenArgs {
    /// The authority this client complies with (its public key, file or
    /// text): a field escrowed to any other key is refused.
    #[arg(long, value_name = "KEY|FILE")]
    pub authority: Option<String>,

    /// NOT FOR COMPLIANCE: accept a valid field escrowed to any key, so a
    /// sender can name an escrow key of their own. For the lesson on why
    /// clients must pin their authority.
    #[arg(long)]
    pub unpinned: bool,

    /// How the access field is checked.
    #[arg(long, value_enum, default_value_t = PolicyArg::Recompute)]
    pub policy: PolicyArg,

    /// The family key for `--policy clipper16` (default: the classroom
    /// family built into this tool).
    #[arg(long, value_name = "FILE")]
    pub family: Option<PathBuf>,

    /// Everything `open` takes.
    #[command(flatten)]
    pub open: OpenArgs,
}

/// What the holder of the escrow key does.
#[derive(Debug, Subcommand)]
pub enum AuthorityCommand {
    /// Open any envelope escrowed to this authority, without being a
    /// recipient. The verified sender and recipients go to standard error.
    Open(AuthorityOpenArgs),
    /// Split the authority's key into N shares, any T of which rebuild it.
    Split(SplitArgs),
    /// Rebuild the authority's key from T shares.
    Recover(RecoverArgs),
}

/// `authority open`.
#[derive(Debug, Args)]
pub struct AuthorityOpenArgs {
    /// The authority's secret key file (or a copy of it: it works the same).
    #[arg(short, long, value_name = "FILE")]
    pub key: PathBuf,

    /// Where the plaintext goes.
    #[command(flatten)]
    pub out: OutputArgs,

    /// The envelope, binary or armored (`-` or nothing: standard input).
    #[arg(value_name = "INPUT")]
    pub input: Option<PathBuf>,
}

/// `authority split`.
#[derive(Debug, Args)]
pub struct SplitArgs {
    /// The authority's secret key file.
    #[arg(short, long, value_name = "FILE")]
    pub key: PathBuf,

    /// How many shares to make.
    #[arg(short = 'n', long, value_name = "N")]
    pub shares: u8,

    /// How many shares rebuild the key (default: a majority of N).
    #[arg(short, long, value_name = "T")]
    pub threshold: Option<u8>,

    /// Write each share to DIR/share-I.key (owner-only) instead of all to
    /// standard output: all of them or none. A new DIR is created
    /// owner-only (0700).
    #[arg(long, value_name = "DIR")]
    pub out_dir: Option<PathBuf>,

    /// Replace share files that exist (never a directory or special file).
    #[arg(long)]
    pub force: bool,
}

/// `authority recover`.
#[derive(Debug, Args)]
pub struct RecoverArgs {
    /// Files of key shares (one or more shares each).
    #[arg(value_name = "SHARES", required = true)]
    pub shares: Vec<PathBuf>,

    /// Where the rebuilt secret key goes.
    #[command(flatten)]
    pub out: OutputArgs,
}
