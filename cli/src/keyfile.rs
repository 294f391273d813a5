//! Key files, recipients files and contacts: one line format for all.
//!
//! A key file holds key lines; `#` starts a comment line, blank lines are
//! skipped. A key line is a key's text form, optionally followed by a name:
//!
//! ```text
//! # the class
//! doormat-public-1a3f…  alice
//! doormat-public-19c0…  bob
//! doormat-escrow-15be…  teacher
//! ```
//!
//! So a contacts file is also a recipients file (`-R class.txt` seals to the
//! whole class), and an identity file is a one-line key file. Every key is
//! recognised by its typed prefix, so a secret key given where a public one
//! belongs is refused by name, with what to do instead. A post-quantum key
//! (`doormat-public-pq-1…`, `doormat-secret-pq-1…`, `doormat-escrow-pq-1…`,
//! `doormat-escrow-secret-pq-1…`) is the same kind as its classical twin:
//! it goes wherever that goes.

use std::fmt;
use std::io::Read;
use std::path::Path;

use doormat::escrow::{EscrowAuthority, EscrowKey, EscrowText, FamilyKey, KeyShare};
use doormat::keys::{self, Fingerprint, Identity, KeyText, PublicIdentity};
use zeroize::Zeroizing;

use crate::failure::{Code, Failure};

/// No key file is larger: a bound before reading, not after.
const MAX_KEY_FILE_LEN: u64 = 1 << 20;

/// The classroom's family key, the one every copy of this tool installs
/// (as every Clipper chip had its family key), so that compliant clients in
/// different processes agree on `--policy clipper16` checksums.
///
/// It is public — it is in the source — and that is the lesson: a family key
/// inside every client is no secret, and anyone who has it forges 16-bit
/// checksums offline instead of by 65,536 tries against a client. Replace it
/// with `--family FILE` (from `doormat escrow family`).
pub const CLASSROOM_FAMILY: &str =
    "doormat-family-1d9b536b0053ac8d1742ce4b7a242c14f7f46069a152cc2be8b1d310b772511f9";

/// The kinds of key text this tool reads, by prefix: the library's
/// [`KeyText`] and [`EscrowText`], with a post-quantum key the same kind as
/// its classical twin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `doormat-public-1` or `doormat-public-pq-1`: a user's public key.
    Public,
    /// `doormat-secret-1` or `doormat-secret-pq-1`: a user's secret
    /// identity.
    Secret,
    /// `doormat-escrow-1` or `doormat-escrow-pq-1`: the escrow authority's
    /// public key.
    EscrowKey,
    /// `doormat-escrow-secret-1` or `doormat-escrow-secret-pq-1`: the
    /// escrow authority's secret key.
    EscrowSecret,
    /// `doormat-escrow-share-1`: one share of a split authority key.
    Share,
    /// `doormat-family-1`: a family key for access-field checksums.
    Family,
}

impl Kind {
    /// The kind of a key text, from its prefix.
    pub fn of(text: &str) -> Option<Kind> {
        if let Some(kind) = KeyText::of(text) {
            return Some(match kind {
                KeyText::Public(_) => Kind::Public,
                KeyText::Secret(_) => Kind::Secret,
            });
        }
        Some(match EscrowText::of(text)? {
            EscrowText::Key(_) => Kind::EscrowKey,
            EscrowText::Secret(_) => Kind::EscrowSecret,
            EscrowText::Share => Kind::Share,
            EscrowText::Family => Kind::Family,
        })
    }

    /// Whether a key of this kind is a secret: never read from the command
    /// line, never shown in a message.
    pub fn is_secret(self) -> bool {
        matches!(
            self,
            Kind::Secret | Kind::EscrowSecret | Kind::Share | Kind::Family
        )
    }

    /// What the key is, in words.
    fn describe(self) -> &'static str {
        match self {
            Kind::Public => "a public key",
            Kind::Secret => "a secret identity",
            Kind::EscrowKey => "an escrow authority's public key",
            Kind::EscrowSecret => "an escrow authority's secret key",
            Kind::Share => "an escrow key share",
            Kind::Family => "a family key",
        }
    }

    /// Where a key of this kind comes from.
    fn origin(self) -> &'static str {
        match self {
            Kind::Public => "`doormat public KEYFILE`",
            Kind::Secret => "`doormat keygen [--post-quantum]`",
            Kind::EscrowKey => "`doormat escrow public AUTHORITY-KEY`",
            Kind::EscrowSecret => "`doormat escrow keygen [--post-quantum]`",
            Kind::Share => "`doormat authority split`",
            Kind::Family => "`doormat escrow family`",
        }
    }
}

/// One key line: where it is, its text, and the name after it.
pub struct KeyLine {
    /// `FILE line N`, or `argument` for a key given on the command line.
    pub origin: String,
    /// The key's text form (wiped when dropped: it may be secret).
    pub text: Zeroizing<String>,
    /// The name after the key, if any.
    pub name: Option<String>,
}

impl fmt::Debug for KeyLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KeyLine({}, {:?})", self.origin, Kind::of(&self.text))
    }
}

impl KeyLine {
    /// The key's kind, or a failure naming the line.
    pub fn kind(&self) -> Result<Kind, Failure> {
        Kind::of(&self.text).ok_or_else(|| {
            Failure::usage(format!(
                "{} is not a doormat key (keys start with `doormat-`)",
                self.origin
            ))
        })
    }

    /// Parses the key as `want`, refusing another kind by name.
    pub fn parse<T>(&self, want: Kind) -> Result<T, Failure>
    where
        T: std::str::FromStr,
        T::Err: Into<doormat::Error>,
    {
        let kind = self.kind()?;
        if kind != want {
            return Err(Failure::usage(format!(
                "{} is {}, but {} is needed here (made by {})",
                self.origin,
                kind.describe(),
                want.describe(),
                want.origin()
            )));
        }
        self.text.parse().map_err(|e: T::Err| {
            let why = match e.into() {
                doormat::Error::Key(keys::Error::InvalidLength { .. }) => {
                    "the key is cut short or too long"
                }
                doormat::Error::Key(keys::Error::InvalidHex) => {
                    "the key has characters other than 0-9 and a-f"
                }
                _ => "the bytes are not a valid key",
            };
            Failure::usage(format!("{}: {why}", self.origin))
        })
    }
}

/// Reads the key lines of a file (`-` for standard input).
///
/// # Errors
///
/// An I/O failure naming the file; a usage failure if it is too large or
/// not UTF-8.
pub fn read_lines(path: &Path) -> Result<Vec<KeyLine>, Failure> {
    let stdin = path == Path::new("-");
    let file_name = if stdin {
        "standard input".to_string()
    } else {
        path.display().to_string()
    };
    let mut bytes = Zeroizing::new(Vec::new());
    let read = if stdin {
        std::io::stdin()
            .lock()
            .take(MAX_KEY_FILE_LEN + 1)
            .read_to_end(&mut bytes)
    } else {
        std::fs::File::open(path).and_then(|f| f.take(MAX_KEY_FILE_LEN + 1).read_to_end(&mut bytes))
    };
    read.map_err(|e| Failure::io(&file_name, &e))?;
    if bytes.len() as u64 > MAX_KEY_FILE_LEN {
        return Err(Failure::usage(format!(
            "{file_name} is too large to be a key file"
        )));
    }
    let text = std::str::from_utf8(&bytes)
        .map_err(|_| Failure::usage(format!("{file_name} is not a text file of doormat keys")))?;
    Ok(text
        .lines()
        .enumerate()
        .filter_map(|(i, line)| {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                return None;
            }
            let (key, rest) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
            let label = rest.trim();
            Some(KeyLine {
                origin: format!("{file_name} line {}", i + 1),
                text: Zeroizing::new(key.to_string()),
                name: (!label.is_empty()).then(|| label.to_string()),
            })
        })
        .collect())
}

/// The one key of a key file, or a failure saying there is none or several.
///
/// # Errors
///
/// As [`read_lines`], and if the file holds no key or several.
pub fn single_line(path: &Path) -> Result<KeyLine, Failure> {
    let mut lines = read_lines(path)?;
    let name = if path == Path::new("-") {
        "standard input".to_string()
    } else {
        path.display().to_string()
    };
    match lines.len() {
        1 => Ok(lines.remove(0)),
        0 => Err(Failure::usage(format!("{name} holds no key"))),
        n => Err(Failure::usage(format!(
            "{name} holds {n} keys where one is expected"
        ))),
    }
}

/// Whether a command-line argument is a key's text rather than a file or
/// a name: a known prefix followed by hex digits only. So
/// `doormat-secret-1.key` is a file.
pub fn is_key_text(arg: &str) -> bool {
    prefixes().any(|(prefix, _)| {
        arg.strip_prefix(prefix)
            .is_some_and(|rest| !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_hexdigit()))
    })
}

/// Every key text prefix the library knows, and whether it is a secret's.
fn prefixes() -> impl Iterator<Item = (&'static str, bool)> {
    let keys = KeyText::all().map(|k| (k.prefix(), k.is_secret()));
    keys.chain(EscrowText::all().map(|k| (k.prefix(), k.is_secret())))
}

/// The refusal of secret key text given on the command line, where every
/// user of the machine can read it (`/proc/PID/cmdline`) and the shell's
/// history keeps it. Names the kind of key and the argument's position,
/// never any of its text.
fn secret_on_command_line(what: &str) -> Failure {
    Failure::usage(format!(
        "{what} is the text of a secret key: secrets are read from files only, never \
         from the command line, where other users of this machine can see them and the \
         shell's history keeps them. Give the file that holds it (and if this was a real \
         key on a shared machine, treat it as exposed)"
    ))
}

/// The first argument that holds the text of a secret key anywhere in it
/// (`--identity=doormat-secret-1…`, `-idoormat-…` and misplaced arguments
/// included), refused before the argument parser sees it: a parser echoes
/// an argument it does not expect, whole. `args` excludes the program's
/// name; positions count from 1. A secret's prefix followed by a hex digit
/// is enough: no file is named like that.
///
/// # Errors
///
/// A usage failure naming the argument's position, never its text.
pub fn refuse_secret_arguments(args: &[std::ffi::OsString]) -> Result<(), Failure> {
    for (i, arg) in args.iter().enumerate() {
        let arg = arg.to_string_lossy();
        let secret = prefixes().filter(|(_, secret)| *secret).any(|(prefix, _)| {
            arg.match_indices(prefix).any(|(at, _)| {
                arg.as_bytes()
                    .get(at + prefix.len())
                    .is_some_and(u8::is_ascii_hexdigit)
            })
        });
        if secret {
            return Err(secret_on_command_line(&format!(
                "argument {} of the command line",
                i + 1
            )));
        }
    }
    Ok(())
}

/// A public key given on the command line: its text if it is key text
/// ([`is_key_text`]), else the one key of the file it names. Secret key
/// text is refused without being shown: secrets come from files only.
///
/// # Errors
///
/// A usage failure for secret key text; as [`single_line`] for a file.
pub fn literal_or_file(arg: &str) -> Result<KeyLine, Failure> {
    if !is_key_text(arg) {
        return single_line(Path::new(arg));
    }
    match Kind::of(arg) {
        Some(kind) if kind.is_secret() => Err(secret_on_command_line(&format!(
            "the argument given as {}",
            kind.describe()
        ))),
        _ => Ok(KeyLine {
            origin: format!("the key {}", short(arg)),
            text: Zeroizing::new(arg.to_string()),
            name: None,
        }),
    }
}

/// The identity in a secret key file (`-i`).
///
/// # Errors
///
/// Usage and I/O failures naming the file and line.
pub fn load_identity(path: &Path) -> Result<Identity, Failure> {
    single_line(path)?.parse(Kind::Secret)
}

/// The escrow authority in its secret key file (`-k`).
///
/// # Errors
///
/// Usage and I/O failures naming the file and line.
pub fn load_authority(path: &Path) -> Result<EscrowAuthority, Failure> {
    single_line(path)?.parse(Kind::EscrowSecret)
}

/// An escrow public key, given as text or as a file.
///
/// # Errors
///
/// Usage and I/O failures naming the file and line.
pub fn load_escrow_key(arg: &str) -> Result<EscrowKey, Failure> {
    literal_or_file(arg)?.parse(Kind::EscrowKey)
}

/// A user's public key, given as text or as a file; a secret identity file
/// gives its public half (your own key file is what you have at hand).
///
/// # Errors
///
/// Usage and I/O failures naming the file and line.
pub fn load_public(arg: &str) -> Result<PublicIdentity, Failure> {
    let line = literal_or_file(arg)?;
    match line.kind()? {
        Kind::Secret => Ok(line.parse::<Identity>(Kind::Secret)?.public()),
        _ => line.parse(Kind::Public),
    }
}

/// The family key in `path`, or the classroom's.
///
/// # Errors
///
/// Usage and I/O failures naming the file and line.
pub fn load_family(path: Option<&Path>) -> Result<FamilyKey, Failure> {
    match path {
        Some(path) => single_line(path)?.parse(Kind::Family),
        None => Ok(CLASSROOM_FAMILY
            .parse()
            .expect("the classroom family is a valid family key")),
    }
}

/// Every share in the files given, one or more a file.
///
/// # Errors
///
/// Usage and I/O failures naming the file and line.
pub fn load_shares(paths: &[impl AsRef<Path>]) -> Result<Vec<KeyShare>, Failure> {
    let mut shares = Vec::new();
    for path in paths {
        let lines = read_lines(path.as_ref())?;
        if lines.is_empty() {
            return Err(Failure::usage(format!(
                "{} holds no key share",
                path.as_ref().display()
            )));
        }
        for line in lines {
            shares.push(line.parse(Kind::Share)?);
        }
    }
    Ok(shares)
}

/// The fingerprint of the key on a line: user keys by their public
/// identity, escrow keys by their escrow key.
///
/// # Errors
///
/// A usage failure naming the line; shares and family keys have no
/// fingerprint.
pub fn fingerprint_of(line: &KeyLine) -> Result<Fingerprint, Failure> {
    Ok(match line.kind()? {
        Kind::Public => line.parse::<PublicIdentity>(Kind::Public)?.fingerprint(),
        Kind::Secret => line.parse::<Identity>(Kind::Secret)?.public().fingerprint(),
        Kind::EscrowKey => line.parse::<EscrowKey>(Kind::EscrowKey)?.fingerprint(),
        Kind::EscrowSecret => line
            .parse::<EscrowAuthority>(Kind::EscrowSecret)?
            .public_key()
            .fingerprint(),
        kind => {
            return Err(Failure::usage(format!(
                "{} is {}, which has no fingerprint",
                line.origin,
                kind.describe()
            )))
        }
    })
}

/// Names for keys, from the contacts file.
#[derive(Debug, Default)]
pub struct Contacts {
    people: Vec<(PublicIdentity, String)>,
    authorities: Vec<(Fingerprint, String)>,
}

impl Contacts {
    /// The contacts in `path`, or none.
    ///
    /// # Errors
    ///
    /// Usage and I/O failures naming the file and line; a contact without a
    /// name is refused (it would name nobody).
    pub fn load(path: Option<&Path>) -> Result<Contacts, Failure> {
        let mut contacts = Contacts::default();
        let Some(path) = path else {
            return Ok(contacts);
        };
        for line in read_lines(path)? {
            let Some(name) = line.name.clone() else {
                return Err(Failure::usage(format!(
                    "{} has a key but no name after it",
                    line.origin
                )));
            };
            match line.kind()? {
                Kind::EscrowKey => {
                    let key: EscrowKey = line.parse(Kind::EscrowKey)?;
                    contacts.authorities.push((key.fingerprint(), name));
                }
                _ => contacts.people.push((line.parse(Kind::Public)?, name)),
            }
        }
        Ok(contacts)
    }

    /// The public key of the contact called `name`.
    pub fn find(&self, name: &str) -> Option<&PublicIdentity> {
        self.people
            .iter()
            .find(|(_, n)| n == name)
            .map(|(key, _)| key)
    }

    /// `name (fingerprint)` for a known key, or the fingerprint alone.
    pub fn describe(&self, fp: &Fingerprint) -> String {
        let person = self.people.iter().find(|(key, _)| key.fingerprint() == *fp);
        let name = person.map(|(_, n)| n).or_else(|| {
            self.authorities
                .iter()
                .find(|(f, _)| f == fp)
                .map(|(_, n)| n)
        });
        match name {
            Some(name) => format!("{name} ({fp})"),
            None => fp.to_string(),
        }
    }
}

/// A person named on the command line by `flag` (`-r`, `--expect-sender`):
///
/// * key text (`doormat-public-1…`): that key;
/// * an argument with a `/` (`./bob.pub`, `../class/bob.pub`): the one
///   public key of that file;
/// * anything else: the contact of that name, never a file. Otherwise a
///   file planted in the current folder under a contact's name would stand
///   in for the contact.
///
/// # Errors
///
/// A usage failure naming the argument: not a public key, secret key
/// text (not shown), or no contact of that name; an I/O failure naming
/// the file.
pub fn load_person(flag: &str, arg: &str, contacts: &Contacts) -> Result<PublicIdentity, Failure> {
    if arg.contains('/') {
        return single_line(Path::new(arg))?.parse(Kind::Public);
    }
    if is_key_text(arg) || arg.starts_with("doormat-") {
        if Kind::of(arg).is_some_and(Kind::is_secret) {
            return Err(secret_on_command_line(&format!("an argument of {flag}")));
        }
        let line = KeyLine {
            origin: format!("{flag} {}", short(arg)),
            text: Zeroizing::new(arg.to_string()),
            name: None,
        };
        return line.parse(Kind::Public);
    }
    contacts.find(arg).cloned().ok_or_else(|| {
        Failure::usage(format!(
            "{flag} {arg}: no contact of that name (give --contacts FILE); a name is \
             never a file: to name a file, write it with a `/`, as in ./{arg}"
        ))
    })
}

/// The recipients named by `-r` (keys, contact names or `./files`, see
/// [`load_person`]) and `-R` (files),
/// each once. Escrow keys in a `-R` file (a contacts file) are skipped.
///
/// # Errors
///
/// A usage failure naming the argument or line that is not a public key,
/// or if there are no recipients at all.
pub fn load_recipients(
    keys: &[String],
    files: &[impl AsRef<Path>],
    contacts: &Contacts,
) -> Result<Vec<PublicIdentity>, Failure> {
    let mut out: Vec<PublicIdentity> = Vec::new();
    for key in keys {
        out.push(load_person("-r", key, contacts)?);
    }
    for file in files {
        let (mut people, mut authorities) = (0, 0);
        for line in read_lines(file.as_ref())? {
            // A contacts file names the authority too; it is no recipient.
            if line.kind()? == Kind::EscrowKey {
                authorities += 1;
                continue;
            }
            out.push(line.parse(Kind::Public)?);
            people += 1;
        }
        if people == 0 && authorities > 0 {
            return Err(Failure::usage(format!(
                "{} holds only escrow keys: an authority is not a recipient \
                 (escrow to it with `doormat escrow seal --escrow-key`)",
                file.as_ref().display()
            )));
        }
    }
    if out.is_empty() {
        return Err(Failure::new(
            Code::Usage,
            "no recipients: give -r KEY, -r NAME (with --contacts) or -R FILE",
        ));
    }
    let mut seen = Vec::new();
    out.retain(|key| {
        let fp = key.fingerprint();
        let new = !seen.contains(&fp);
        seen.push(fp);
        new
    });
    Ok(out)
}

/// The start of a long public key, for messages. Never given a secret:
/// its first characters after the prefix are secret bytes.
fn short(key: &str) -> String {
    match key.char_indices().nth(24) {
        Some((i, _)) => format!("{}…", &key[..i]),
        None => key.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_classroom_family_loads() {
        assert!(load_family(None).is_ok());
    }

    #[test]
    fn kinds_are_told_apart_by_prefix() {
        let id = Identity::generate();
        let authority = EscrowAuthority::generate();
        assert_eq!(Kind::of(&id.to_secret_string()), Some(Kind::Secret));
        assert_eq!(Kind::of(&id.public().to_string()), Some(Kind::Public));
        assert_eq!(
            Kind::of(&authority.to_secret_string()),
            Some(Kind::EscrowSecret)
        );
        assert_eq!(
            Kind::of(&authority.public_key().to_string()),
            Some(Kind::EscrowKey)
        );
        let share = &authority.split(2, 3).unwrap()[0];
        assert_eq!(Kind::of(&share.to_secret_string()), Some(Kind::Share));
        assert_eq!(Kind::of(CLASSROOM_FAMILY), Some(Kind::Family));
        assert_eq!(Kind::of("age1qqq"), None);
    }

    #[test]
    fn post_quantum_keys_are_the_kinds_of_their_classical_twins() {
        let id = Identity::generate_post_quantum();
        let authority = EscrowAuthority::generate_post_quantum();
        let cases = [
            (id.to_secret_string().to_string(), Kind::Secret),
            (id.public().to_string(), Kind::Public),
            (authority.to_secret_string().to_string(), Kind::EscrowSecret),
            (authority.public_key().to_string(), Kind::EscrowKey),
        ];
        for (text, kind) in cases {
            assert!(text.contains("-pq-1"), "{}", short(&text));
            assert_eq!(Kind::of(&text), Some(kind), "{}", short(&text));
            let line = KeyLine {
                origin: "test".into(),
                text: Zeroizing::new(text),
                name: None,
            };
            // Each parses as its kind, and is refused by name as another.
            let ok = match kind {
                Kind::Secret => line.parse::<Identity>(kind).is_ok(),
                Kind::Public => line.parse::<PublicIdentity>(kind).is_ok(),
                Kind::EscrowSecret => line.parse::<EscrowAuthority>(kind).is_ok(),
                _ => line.parse::<EscrowKey>(kind).is_ok(),
            };
            assert!(ok, "{kind:?}");
            let err = line.parse::<FamilyKey>(Kind::Family).unwrap_err();
            assert!(
                err.message
                    .contains(&format!("test is {}", kind.describe())),
                "{}",
                err.message
            );
        }
        // Shares of a post-quantum key are shares.
        let share = &authority.split(2, 3).unwrap()[0];
        assert_eq!(Kind::of(&share.to_secret_string()), Some(Kind::Share));
    }

    #[test]
    fn a_longer_prefix_is_always_tried_first() {
        // The two escrow secrets, the pair the ordering is about.
        assert_eq!(
            Kind::of("doormat-escrow-secret-pq-1ab"),
            Some(Kind::EscrowSecret)
        );
        assert_eq!(Kind::of("doormat-escrow-pq-1ab"), Some(Kind::EscrowKey));
    }

    #[test]
    fn a_secret_where_a_public_key_belongs_is_refused_by_name() {
        let id = Identity::generate();
        let line = KeyLine {
            origin: "bob.pub line 1".into(),
            text: id.to_secret_string(),
            name: None,
        };
        let err = line.parse::<PublicIdentity>(Kind::Public).unwrap_err();
        assert_eq!(err.code, Code::Usage);
        assert!(
            err.message.contains("bob.pub line 1 is a secret identity"),
            "{}",
            err.message
        );
    }

    #[test]
    fn short_never_prints_a_whole_key() {
        let public = Identity::generate().public().to_string();
        assert!(short(&public).len() < public.len());
        assert!(short(&public).ends_with('…'));
    }

    /// Whether any 8 characters in a row of the secret's text after its
    /// prefix appear in `shown`.
    fn shows_part_of(secret: &str, shown: &str) -> bool {
        let body = &secret[secret.rfind('-').unwrap() + 2..];
        (0..=body.len() - 8).any(|i| shown.contains(&body[i..i + 8]))
    }

    #[test]
    fn secret_key_text_is_refused_without_being_shown() {
        let secrets = [
            Identity::generate().to_secret_string(),
            EscrowAuthority::generate().to_secret_string(),
        ];
        for secret in &secrets {
            let err = literal_or_file(secret).unwrap_err();
            assert_eq!(err.code, Code::Usage);
            assert!(err.message.contains("secret"), "{}", err.message);
            assert!(!shows_part_of(secret, &err.message), "{}", err.message);

            let args = [
                "open".into(),
                format!("--identity={}", secret.as_str()).into(),
            ];
            let err = refuse_secret_arguments(&args).unwrap_err();
            assert!(
                err.message.starts_with("argument 2 of the command line"),
                "{}",
                err.message
            );
            assert!(!shows_part_of(secret, &err.message), "{}", err.message);
        }
        // Public keys pass, and so do files named like a key's prefix.
        let public = Identity::generate().public().to_string();
        assert!(literal_or_file(&public).is_ok());
        let args = [public.into(), "doormat-secret-1.key".into()];
        assert!(refuse_secret_arguments(&args).is_ok());
        assert!(!is_key_text("doormat-secret-1.key"));
    }
}
