//! Failures: one actionable line for a person, one exit code for a script.
//!
//! The library's errors say what failed; who was opening decides what it
//! means. `InvalidAccessField` is a compliance failure to a compliant client
//! and "not my envelope" to an authority; `NotEscrowed` is a refusal to the
//! first and the whole lesson to the second.

use std::fmt;
use std::io;
use std::process::ExitCode;

use doormat::e2e::{OpenError, SealError};
use doormat::escrow;
use doormat::keys::Fingerprint;
use doormat::{Error, ErrorKind};

use doormat::armor::ArmorError;

/// The documented exit codes, as `--help` prints them.
pub const EXIT_CODES: &str = "\
Exit codes:
  0  success
  1  usage: bad arguments or key files, an output that exists (use --force),
     binary output or a secret key to a terminal (use -a or -o), secret key
     text on the command line (give its file), post-quantum and classical
     recipients in one envelope (use --allow-mixed-kems), an output that
     is not a regular file, FIFO or character device (a socket, a block
     device, a directory)
  2  I/O error: a file cannot be read or written, or the system refuses
     the memory or threads the work needs (a ulimit, say)
  3  wrong key: not a recipient, not escrowed to this authority, another
     sender than expected, key shares that do not rebuild a key
  4  invalid envelope: not an envelope, non-canonical armor, malformed,
     truncated, tampered with, or a signature that does not verify
  5  escrow compliance: a compliant client refused the envelope (no access
     field, or one that fails the check)";

/// What kind of failure, as an exit code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Code {
    /// Bad arguments, key files, refusals to overwrite or to print binary.
    Usage = 1,
    /// A file or stream could not be read or written.
    Io = 2,
    /// The key given does not open this envelope.
    Key = 3,
    /// The envelope is not a valid, authentic envelope.
    Invalid = 4,
    /// A compliant client refused the envelope.
    Compliance = 5,
}

/// A failure: the exit code and the line printed after `doormat: error: `.
#[derive(Debug)]
pub struct Failure {
    /// The exit code.
    pub code: Code,
    /// One line saying what was wrong and, where it helps, what to do.
    pub message: String,
}

impl Failure {
    /// A failure with this code and message.
    pub fn new(code: Code, message: impl Into<String>) -> Failure {
        Failure {
            code,
            message: message.into(),
        }
    }

    /// A usage failure.
    pub fn usage(message: impl Into<String>) -> Failure {
        Failure::new(Code::Usage, message)
    }

    /// An I/O failure about `what` (a path, or "standard input").
    pub fn io(what: impl fmt::Display, e: &io::Error) -> Failure {
        match Refusal::find(e) {
            Some(refusal) => Failure::usage(refusal.to_string()),
            None => Failure::new(Code::Io, format!("{what}: {e}")),
        }
    }

    /// The exit code, for `main`.
    pub fn exit_code(&self) -> ExitCode {
        ExitCode::from(self.code as u8)
    }
}

/// Who was opening an envelope, which decides what a library error means.
#[derive(Debug, Clone, Copy)]
pub enum Role {
    /// A recipient with a plain client (`open`).
    Recipient,
    /// A recipient with a compliant client (`escrow open`), and the
    /// authority it complies with, if pinned.
    Compliant(Option<Fingerprint>),
    /// The escrow authority, or anyone with a copy of its key.
    Authority(Fingerprint),
    /// Not opening: sealing, inspecting, splitting.
    Other,
}

/// A refusal raised inside a writer (binary to a terminal), carried through
/// the library as an I/O error and recognised on the way out.
#[derive(Debug)]
pub struct Refusal(pub &'static str);

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl std::error::Error for Refusal {}

impl Refusal {
    /// As an I/O error.
    pub fn into_io(self) -> io::Error {
        io::Error::new(io::ErrorKind::InvalidInput, self)
    }

    fn find(e: &io::Error) -> Option<&Refusal> {
        e.get_ref().and_then(|inner| inner.downcast_ref())
    }
}

/// The failure for a library error met in `role`: the exit code from the
/// error's kind (and the role, for an escrow refusal), one line from what
/// the error says.
pub fn from_doormat(e: impl Into<Error>, role: Role) -> Failure {
    let e = e.into();
    if let Some(io) = io_error(&e) {
        return match ArmorError::find(io) {
            Some(armor) => Failure::new(Code::Invalid, armor.to_string()),
            None => Failure::io("I/O error", io),
        };
    }
    let code = match e.kind() {
        ErrorKind::Usage => Code::Usage,
        ErrorKind::Io => Code::Io,
        ErrorKind::WrongKey => Code::Key,
        ErrorKind::InvalidInput => Code::Invalid,
        // To the authority, a refused field means "not my envelope".
        ErrorKind::Refused => match role {
            Role::Authority(_) => Code::Key,
            _ => Code::Compliance,
        },
    };
    Failure::new(code, message(&e, role))
}

/// The I/O error inside a library error, if that is what it is.
fn io_error(e: &Error) -> Option<&io::Error> {
    match e {
        Error::Seal(SealError::Io(io)) | Error::Open(OpenError::Io(io)) => Some(io),
        _ => None,
    }
}

/// One actionable line: what the library says, with what to do about the
/// failures a person can act on.
fn message(e: &Error, role: Role) -> String {
    let tampered = "it was modified or damaged after sealing; nothing unsigned was written";
    match e {
        Error::Open(OpenError::NotARecipient) => match role {
            Role::Authority(_) => "not a recipient of this envelope".into(),
            _ => "not a recipient of this envelope: no stanza opens with this identity \
                  (check -i, or ask the sender to seal to your public key)"
                .into(),
        },
        Error::Escrow(escrow::Error::NotEscrowed) => match role {
            Role::Authority(_) => "not escrowed: a clean end-to-end envelope has no access \
                                   field, so no authority can open it"
                .into(),
            _ => "not escrowed: a compliant client refuses an envelope without an access field"
                .into(),
        },
        Error::Escrow(escrow::Error::InvalidAccessField) => match role {
            Role::Authority(me) => format!(
                "access field is not for this authority ({me}): escrowed to another key, or forged"
            ),
            Role::Compliant(Some(pinned)) => format!(
                "access field fails the compliance check (authority {pinned}): escrowed to \
                 another key, or forged"
            ),
            _ => "access field fails the compliance check".into(),
        },
        Error::Open(OpenError::UnexpectedSender) => {
            "envelope is from another sender than --expect-sender names".into()
        }
        Error::Open(OpenError::BadSignature) => {
            format!("sender signature does not verify: {tampered}")
        }
        Error::Open(OpenError::HeaderTampered) => {
            format!("header does not match its keys: {tampered}")
        }
        Error::Open(OpenError::PayloadTampered) => {
            format!("payload failed authentication: {tampered}")
        }
        Error::Open(OpenError::Truncated) => {
            "envelope is truncated (or has bytes appended): copy the whole file again".into()
        }
        Error::Open(OpenError::NotAnEnvelope) => {
            "not a doormat envelope (neither binary nor armored)".into()
        }
        Error::Open(OpenError::UnsupportedVersion(v)) => {
            format!("envelope version {v} is not supported by this doormat")
        }
        Error::Open(OpenError::UnsupportedSuite(s)) => {
            format!("envelope cipher 0x{s:04x} is not supported by this doormat")
        }
        Error::Escrow(escrow::Error::TooFewShares { needed, got }) => {
            format!("need {needed} key shares to rebuild the key, got {got}")
        }
        Error::Escrow(escrow::Error::InconsistentShares) => {
            "key shares do not belong together (different splits), or do not rebuild the key".into()
        }
        Error::Seal(SealError::RandomFailed) | Error::Escrow(escrow::Error::RandomFailed) => {
            "the operating system's random number generator failed".into()
        }
        Error::Seal(SealError::MixedKems) => {
            "post-quantum and classical recipients in one envelope: every recipient's \
             stanza unlocks the content key, so one classical (X25519) recipient would let \
             a future quantum computer read what is recorded today; seal to post-quantum \
             keys only, or pass --allow-mixed-kems to accept that"
                .into()
        }
        // Every other error says what it is in its own words.
        e => e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn access_field_failures_depend_on_the_role() {
        let fp = doormat::escrow::EscrowAuthority::generate()
            .public_key()
            .fingerprint();
        let refused = || escrow::Error::InvalidAccessField;
        let as_client = from_doormat(refused(), Role::Compliant(Some(fp)));
        assert_eq!(as_client.code, Code::Compliance);
        assert!(as_client.message.contains("fails the compliance check"));
        let as_authority = from_doormat(refused(), Role::Authority(fp));
        assert_eq!(as_authority.code, Code::Key);
        assert_eq!(
            from_doormat(escrow::Error::NotEscrowed, Role::Authority(fp)).code,
            Code::Key
        );
        assert_eq!(
            from_doormat(escrow::Error::NotEscrowed, Role::Compliant(None)).code,
            Code::Compliance
        );
        // Boxed in the envelope's layer slot, the refusal is still escrow's.
        let boxed = OpenError::Layer(Box::new(escrow::Error::NotEscrowed));
        assert_eq!(
            from_doormat(boxed, Role::Compliant(None)).code,
            Code::Compliance
        );
    }

    #[test]
    fn mixed_kems_is_a_usage_failure_that_says_why_and_names_the_flag() {
        let f = from_doormat(SealError::MixedKems, Role::Other);
        assert_eq!(f.code, Code::Usage);
        assert!(
            f.message.contains("future quantum computer"),
            "{}",
            f.message
        );
        assert!(f.message.contains("--allow-mixed-kems"), "{}", f.message);
    }

    #[test]
    fn armor_and_refusals_travel_through_io_errors() {
        let armor = ArmorError {
            line: 3,
            reason: "empty line",
        };
        let e = OpenError::Io(io::Error::new(io::ErrorKind::InvalidData, armor));
        let f = from_doormat(e, Role::Recipient);
        assert_eq!(f.code, Code::Invalid);
        assert_eq!(f.message, "armor line 3 is not canonical: empty line");

        let e = OpenError::Io(Refusal("no binary to a terminal").into_io());
        assert_eq!(from_doormat(e, Role::Recipient).code, Code::Usage);

        let e = SealError::Io(io::Error::new(io::ErrorKind::NotFound, "gone"));
        assert_eq!(from_doormat(e, Role::Recipient).code, Code::Io);
    }
}
