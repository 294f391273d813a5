//! The key commands: users' keys, the authority's key, family keys, and the
//! authority key's split custody.

use std::io::Write;
use std::path::Path;

use doormat::escrow::{EscrowAuthority, FamilyKey};
use doormat::keys::{safety_number, Identity, Kem};
use doormat::random::SystemRng;
use zeroize::Zeroizing;

use crate::cli::{
    EscrowKeygenArgs, FamilyArgs, KeyInput, KeygenArgs, OutputArgs, RecoverArgs, SafetyNumberArgs,
    SplitArgs,
};
use crate::failure::{from_doormat, Failure, Role};
use crate::files::{write_secret_files, Output, Sensitivity};
use crate::keyfile::{self, Kind};

/// Writes secret text to the output (owner-only if a file), all or nothing.
fn write_secret(out: &OutputArgs, text: &str) -> Result<(), Failure> {
    let mut output = Output::create(out.output.as_deref(), out.force, Sensitivity::Secret)?;
    output
        .write_all(text.as_bytes())
        .map_err(|e| Failure::io(output.name(), &e))?;
    output.commit()
}

/// Prints a new public key: on standard output when the secret went to a
/// file (so `keygen -o me.key > me.pub` works), else on standard error.
fn announce_public(out: &OutputArgs, label: &str, public: &str) {
    if out
        .output
        .as_deref()
        .is_some_and(|p| p != std::path::Path::new("-"))
    {
        println!("{public}");
    } else {
        eprintln!("{label}: {public}");
    }
}

/// A KEM in words, for key files and messages.
pub fn kem_words(kem: Kem) -> &'static str {
    match kem {
        Kem::X25519 => "classical (X25519)",
        Kem::XWing => "post-quantum (X-Wing)",
    }
}

/// `keygen`.
pub fn keygen(args: &KeygenArgs) -> Result<(), Failure> {
    let id = if args.post_quantum {
        Identity::generate_post_quantum()
    } else {
        Identity::generate()
    };
    let public = id.public();
    let mut text = Zeroizing::new(String::new());
    text.push_str("# doormat identity: keep this file secret\n");
    text.push_str(&format!("# kind: {}\n", kem_words(id.kem())));
    text.push_str(&format!("# public key: {public}\n"));
    text.push_str(&format!("# fingerprint: {}\n", public.fingerprint()));
    text.push_str(&id.to_secret_string());
    text.push('\n');
    write_secret(&args.out, &text)?;
    announce_public(&args.out, "public key", &public.to_string());
    Ok(())
}

/// The one key a [`KeyInput`] names: a file, the key's text, or standard
/// input.
fn key_line(input: &KeyInput) -> Result<keyfile::KeyLine, Failure> {
    match input.key.as_deref() {
        None => keyfile::single_line(Path::new("-")),
        Some(arg) => keyfile::literal_or_file(arg),
    }
}

/// `public`.
pub fn public(input: &KeyInput) -> Result<(), Failure> {
    let id: Identity = key_line(input)?.parse(Kind::Secret)?;
    println!("{}", id.public());
    Ok(())
}

/// `fingerprint`.
pub fn fingerprint(input: &KeyInput) -> Result<(), Failure> {
    println!("{}", keyfile::fingerprint_of(&key_line(input)?)?);
    Ok(())
}

/// `safety-number`.
pub fn safety_number_of(args: &SafetyNumberArgs) -> Result<(), Failure> {
    let a = keyfile::load_public(&args.a)?;
    let b = keyfile::load_public(&args.b)?;
    println!("{}", safety_number(&a, &b));
    Ok(())
}

/// `escrow keygen`.
pub fn escrow_keygen(args: &EscrowKeygenArgs) -> Result<(), Failure> {
    let authority = if args.post_quantum {
        EscrowAuthority::generate_post_quantum()
    } else {
        EscrowAuthority::generate()
    };
    write_authority(&args.out, &authority)
}

/// Writes an authority's secret key file and announces its public key.
fn write_authority(out: &OutputArgs, authority: &EscrowAuthority) -> Result<(), Failure> {
    let public = authority.public_key();
    let mut text = Zeroizing::new(String::new());
    text.push_str(
        "# doormat escrow authority key: whoever holds a copy reads every escrowed message\n",
    );
    text.push_str(&format!("# kind: {}\n", kem_words(authority.kem())));
    text.push_str(&format!("# escrow public key: {public}\n"));
    text.push_str(&format!("# fingerprint: {}\n", public.fingerprint()));
    text.push_str(&authority.to_secret_string());
    text.push('\n');
    write_secret(out, &text)?;
    announce_public(out, "escrow public key", &public.to_string());
    Ok(())
}

/// `escrow public`.
pub fn escrow_public(input: &KeyInput) -> Result<(), Failure> {
    let authority: EscrowAuthority = key_line(input)?.parse(Kind::EscrowSecret)?;
    println!("{}", authority.public_key());
    Ok(())
}

/// `escrow family`.
pub fn family(args: &FamilyArgs) -> Result<(), Failure> {
    let family =
        FamilyKey::generate_text_with(&mut SystemRng).map_err(|e| from_doormat(e, Role::Other))?;
    let mut text = Zeroizing::new(String::new());
    text.push_str("# doormat family key: install it in every compliant client of the family\n");
    text.push_str(&family);
    text.push('\n');
    write_secret(&args.out, &text)
}

/// `authority split`.
pub fn split(args: &SplitArgs) -> Result<(), Failure> {
    let authority = keyfile::load_authority(&args.key)?;
    let n = args.shares;
    let t = args.threshold.unwrap_or(n / 2 + 1);
    if n == 0 || t == 0 || t > n {
        return Err(Failure::usage(format!(
            "cannot split into {n} shares with a threshold of {t}: need 1 <= T <= N"
        )));
    }
    if t == 1 {
        eprintln!(
            "warning: with a threshold of 1 every share is the whole key: \
             that is {n} copies, not custody"
        );
    }
    let shares = authority
        .split(t, n)
        .map_err(|e| from_doormat(e, Role::Other))?;
    let describe = |i: u8| {
        format!(
            "# doormat escrow key share {i} of {n} (any {t} rebuild the authority key): keep it secret\n"
        )
    };
    match &args.out_dir {
        None => {
            let mut text = Zeroizing::new(String::new());
            for share in &shares {
                text.push_str(&describe(share.index()));
                text.push_str(&share.to_secret_string());
                text.push('\n');
            }
            let out = OutputArgs {
                output: None,
                force: false,
            };
            write_secret(&out, &text)?;
        }
        Some(dir) => {
            let files: Vec<(String, Zeroizing<String>)> = shares
                .iter()
                .map(|share| {
                    let mut text = Zeroizing::new(describe(share.index()));
                    text.push_str(&share.to_secret_string());
                    text.push('\n');
                    (format!("share-{}.key", share.index()), text)
                })
                .collect();
            write_secret_files(dir, &files, args.force)?;
        }
    }
    eprintln!(
        "split the {} key of authority {} into {n} shares; any {t} rebuild it",
        kem_words(authority.kem()),
        authority.public_key().fingerprint()
    );
    Ok(())
}

/// `authority recover`.
pub fn recover(args: &RecoverArgs) -> Result<(), Failure> {
    let shares = keyfile::load_shares(&args.shares)?;
    let authority = EscrowAuthority::recover(&shares).map_err(|e| from_doormat(e, Role::Other))?;
    eprintln!(
        "rebuilt the {} key of authority {}",
        kem_words(authority.kem()),
        authority.public_key().fingerprint()
    );
    write_authority(&args.out, &authority)
}
