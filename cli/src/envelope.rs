//! Sealing and opening, clean and escrowed, as a user, a compliant client or
//! the authority: one sealing path and one opening path, with the role
//! deciding the layer and what an error means.

use std::io::{BufReader, BufWriter, Read, Write};

use doormat::e2e::{OpenError, Opener, SealError, Sealer, StreamOpened};
use doormat::escrow::{AccessField, Compliance, EscrowKey, FamilyKey};
use doormat::keys::{Fingerprint, Kem, PublicIdentity};

use crate::cli::{AuthorityOpenArgs, EscrowOpenArgs, EscrowSealArgs, OpenArgs, SealArgs};
use crate::failure::{from_doormat, Failure, Role};
use crate::files::{progress, Input, Output, Sensitivity, TextOnly};
use crate::keyfile::{self, Contacts};
use doormat::armor::{self, ArmorReader, ArmorWriter};

/// The buffer between armor's lines of 65 bytes and the output.
const ARMOR_BUFFER_LEN: usize = 64 << 10;

/// `seal`.
pub fn seal(args: &SealArgs, contacts: &Contacts) -> Result<(), Failure> {
    seal_with(args, None, contacts)
}

/// `escrow seal`.
pub fn escrow_seal(args: &EscrowSealArgs, contacts: &Contacts) -> Result<(), Failure> {
    let key = keyfile::load_escrow_key(&args.escrow_key)?;
    let family = keyfile::load_family(args.family.as_deref())?;
    seal_with(&args.seal, Some((key, family)), contacts)
}

/// Seals the input, escrowed to `escrow` (with that family key for the
/// checksum) if one is given.
fn seal_with(
    args: &SealArgs,
    escrow: Option<(EscrowKey, FamilyKey)>,
    contacts: &Contacts,
) -> Result<(), Failure> {
    let me = keyfile::load_identity(&args.identity)?;
    let recipients = keyfile::load_recipients(&args.recipients, &args.recipient_files, contacts)?;
    let classical: Vec<&PublicIdentity> = recipients
        .iter()
        .filter(|r| !r.kem().is_post_quantum())
        .collect();
    let post_quantum = classical.len() < recipients.len();
    // Said once the envelope is sealed: a refusal needs no warnings.
    let mut warnings = Vec::new();
    if post_quantum && !classical.is_empty() && args.allow_mixed_kems {
        warnings.push(format!(
            "warning: --allow-mixed-kems: {} of {} recipients have classical (X25519) keys; \
             a future quantum computer that records this envelope reads it through their \
             stanzas: {}",
            classical.len(),
            recipients.len(),
            describe_all(&classical, contacts)
        ));
    }
    if let Some((key, _)) = &escrow {
        if post_quantum && key.kem() == Kem::X25519 {
            warnings.push(format!(
                "warning: the escrow key {} is classical (X25519) and the recipients' keys are \
                 post-quantum: the access field makes this envelope readable by a future \
                 quantum computer that records it today (harvest now, decrypt later). A \
                 post-quantum escrow key (`doormat escrow keygen --post-quantum`) closes that \
                 door, and is still one key that opens every escrowed envelope",
                contacts.describe(&key.fingerprint())
            ));
        }
    }
    let mut output = Output::create(
        args.out.output.as_deref(),
        args.out.force,
        Sensitivity::Public,
    )?;
    if output.is_terminal() && !args.armor {
        return Err(Failure::usage(
            "refusing to write a binary envelope to a terminal: use -a for armor, or -o FILE",
        ));
    }
    let input = Input::open(args.input.as_deref())?;
    let mut sealer = Sealer::new(&me, &recipients)
        .cipher(args.cipher.into())
        .key_ids(args.key_ids)
        .allow_mixed_kems(args.allow_mixed_kems);
    if let Some((key, family)) = escrow {
        sealer = sealer.layer(AccessField::to(&key).family(family));
    }
    let bar = progress("sealing", input.len, &output);
    let reader = bar.wrap_read(input.into_reader());
    let sealed = if args.armor {
        // Armor writes a line at a time: those are worth a buffer.
        ArmorWriter::new(BufWriter::with_capacity(ARMOR_BUFFER_LEN, &mut output))
            .map_err(SealError::Io)
            .and_then(|mut armored| {
                sealer.seal_stream(reader, &mut armored)?;
                armored.finish().map_err(SealError::Io)?;
                Ok(())
            })
    } else {
        sealer.seal_stream(reader, &mut output).map(|_| ())
    };
    bar.finish_and_clear();
    sealed.map_err(|e| {
        let mixed = matches!(e, SealError::MixedKems);
        let mut failure = from_doormat(e, Role::Other);
        if mixed {
            failure.message.push_str(&format!(
                " (classical: {})",
                describe_all(&classical, contacts)
            ));
        }
        failure
    })?;
    output.commit()?;
    for warning in warnings {
        eprintln!("{warning}");
    }
    Ok(())
}

/// `name (fingerprint)` or the fingerprint of every key, comma-separated.
fn describe_all(keys: &[&PublicIdentity], contacts: &Contacts) -> String {
    keys.iter()
        .map(|k| contacts.describe(&k.fingerprint()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `open`.
pub fn open(args: &OpenArgs, contacts: &Contacts) -> Result<(), Failure> {
    let me = keyfile::load_identity(&args.identity)?;
    let expected = expected_sender(args, contacts)?;
    let mut opener = Opener::new(&me);
    if let Some(sender) = &expected {
        opener = opener.expect_sender(sender);
    }
    let opened = open_with(&opener, args, Role::Recipient)?;
    report(&opened, Some(me.public().fingerprint()), contacts);
    warn_classical_stanzas(&opened, me.kem());
    Ok(())
}

/// `escrow open`: a compliant client.
pub fn escrow_open(args: &EscrowOpenArgs, contacts: &Contacts) -> Result<(), Failure> {
    let me = keyfile::load_identity(&args.open.identity)?;
    let expected = expected_sender(&args.open, contacts)?;
    let family = keyfile::load_family(args.family.as_deref())?;
    let pinned = args
        .authority
        .as_deref()
        .map(keyfile::load_escrow_key)
        .transpose()?;
    let compliance = match &pinned {
        Some(key) => Compliance::pinned(key),
        None => {
            eprintln!(
                "warning: --unpinned accepts a field escrowed to any key: a sender can \
                 name an escrow key of their own, and the authority reads nothing"
            );
            Compliance::unpinned()
        }
    };
    let mut opener = Opener::new(&me).layer(compliance.policy(args.policy.into()).family(family));
    if let Some(sender) = &expected {
        opener = opener.expect_sender(sender);
    }
    let role = Role::Compliant(pinned.as_ref().map(EscrowKey::fingerprint));
    let opened = open_with(&opener, &args.open, role)?;
    report(&opened, Some(me.public().fingerprint()), contacts);
    warn_classical_stanzas(&opened, me.kem());
    Ok(())
}

/// Warns a post-quantum recipient, on standard error, that a classical
/// stanza in the envelope lets a future quantum computer read it anyway:
/// the sender mixed kinds (`--allow-mixed-kems`), and only `inspect`
/// would otherwise say so. Always, as age-like tools warn: standard error
/// is where the verified sender is reported too, and the plaintext on
/// standard output is untouched.
fn warn_classical_stanzas(opened: &StreamOpened, mine: Kem) {
    if !mine.is_post_quantum() {
        return;
    }
    let header = opened.header();
    let total = header.stanza_count();
    let classical = (0..total)
        .filter(|&i| header.stanza_kem(i).is_some_and(|k| !k.is_post_quantum()))
        .count();
    if classical == 0 {
        return;
    }
    let (verb, them) = if classical == 1 {
        ("is", "it")
    } else {
        ("are", "them")
    };
    eprintln!(
        "warning: {classical} of {total} stanzas of this envelope {verb} classical (X25519): \
         a future quantum computer that records it reads it through {them}, whatever your \
         post-quantum key"
    );
}

/// `authority open`: no recipient key, only the escrow key.
pub fn authority_open(args: &AuthorityOpenArgs, contacts: &Contacts) -> Result<(), Failure> {
    let authority = keyfile::load_authority(&args.key)?;
    let me = authority.public_key().fingerprint();
    let opener = authority.opener();
    let input = Input::open(args.input.as_deref())?;
    let output = Output::create(
        args.out.output.as_deref(),
        args.out.force,
        Sensitivity::Plaintext,
    )?;
    let opened = open_stream(&opener, input, output, Role::Authority(me))?;
    report(&opened, None, contacts);
    Ok(())
}

/// The sender `--expect-sender` names: a key, a contact, or a file written
/// with a `/` (a bare name is never a file: [`keyfile::load_person`]).
fn expected_sender(
    args: &OpenArgs,
    contacts: &Contacts,
) -> Result<Option<PublicIdentity>, Failure> {
    args.expect_sender
        .as_deref()
        .map(|arg| keyfile::load_person("--expect-sender", arg, contacts))
        .transpose()
}

/// Opens `args.input` with `opener` into `args.out`.
fn open_with(opener: &Opener<'_>, args: &OpenArgs, role: Role) -> Result<StreamOpened, Failure> {
    let input = Input::open(args.input.as_deref())?;
    let output = Output::create(
        args.out.output.as_deref(),
        args.out.force,
        Sensitivity::Plaintext,
    )?;
    open_stream(opener, input, output, role)
}

/// Streams an envelope, binary or armored, through `opener` into `output`,
/// which appears (as a file) only if everything verifies. Binary plaintext
/// is refused on a terminal.
fn open_stream(
    opener: &Opener<'_>,
    input: Input,
    mut output: Output,
    role: Role,
) -> Result<StreamOpened, Failure> {
    let bar = progress("opening", input.len, &output);
    let (head, reader) = input.peek(armor::PEEK_LEN)?;
    let reader: Box<dyn Read> = if armor::is_armored(&head) {
        Box::new(ArmorReader::new(BufReader::new(bar.wrap_read(reader))))
    } else {
        Box::new(bar.wrap_read(reader))
    };
    let opened = if output.is_terminal() {
        let mut text = TextOnly::new(&mut output);
        opener.open_stream(reader, &mut text).and_then(|opened| {
            text.finish().map_err(OpenError::Io)?;
            Ok(opened)
        })
    } else {
        opener.open_stream(reader, &mut output)
    };
    bar.finish_and_clear();
    match opened {
        Ok(opened) => {
            output.commit()?;
            Ok(opened)
        }
        Err(e) => {
            let mut failure = from_doormat(e, role);
            let written = output.written();
            if written > 0 && !output.can_withdraw() {
                failure.message.push_str(&format!(
                    " ({written} bytes of signed plaintext already went to {}: treat them \
                     as incomplete)",
                    output.name()
                ));
            }
            // Dropping the output removes its temporary file.
            Err(failure)
        }
    }
}

/// The verified sender, the signed recipients and the escrow authority, on
/// standard error.
fn report(opened: &StreamOpened, me: Option<Fingerprint>, contacts: &Contacts) {
    let mut stderr = std::io::stderr().lock();
    let _ = writeln!(
        stderr,
        "from: {}, signature verified",
        contacts.describe(&opened.sender().fingerprint())
    );
    for fp in opened.recipients() {
        let you = if Some(*fp) == me { " (you)" } else { "" };
        let _ = writeln!(stderr, "to: {}{you}", contacts.describe(fp));
    }
    if let Some(authority) = doormat::escrow::named_key(opened.header()).map(|k| k.fingerprint()) {
        let _ = writeln!(
            stderr,
            "escrowed to: {}: whoever holds that key reads this too",
            contacts.describe(&authority)
        );
    }
}
