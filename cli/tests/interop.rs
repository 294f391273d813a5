//! The tool and the library speak the same format: what one seals, the
//! other opens, both ways, clean and escrowed, binary and armored.

mod common;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use common::{noise, Desk};
use doormat::e2e::{self, PayloadCipher};
use doormat::escrow::{self, EscrowAuthority, EscrowKey};
use doormat::keys::{Identity, PublicIdentity};

/// The key on the one key line of a file the tool wrote.
fn key_in<T: std::str::FromStr>(desk: &Desk, name: &str) -> T
where
    T::Err: std::fmt::Debug,
{
    let text = desk.read_text(name);
    let line = text
        .lines()
        .find(|l| l.starts_with("doormat-"))
        .unwrap_or_else(|| panic!("{name} holds a key"));
    line.parse().unwrap()
}

#[test]
fn the_library_opens_what_the_tool_seals() {
    let desk = Desk::new();
    desk.user("alice");
    desk.user("bob");
    let message = noise(300_000, 5);
    desk.write("msg.bin", &message);
    desk.doormat("seal -i alice.key -R bob.pub --cipher aes256gcm -o msg.dm msg.bin")
        .success();
    let bob: Identity = key_in(&desk, "bob.key");
    let alice: PublicIdentity = key_in(&desk, "alice.pub");
    let opened = e2e::open(&bob, &desk.read("msg.dm")).unwrap();
    assert_eq!(opened.plaintext(), &message[..]);
    assert_eq!(opened.sender(), &alice);
    assert_eq!(opened.header().cipher(), PayloadCipher::Aes256Gcm);
}

#[test]
fn armor_is_plain_base64_of_the_envelope() {
    let desk = Desk::new();
    desk.user("alice");
    desk.user("bob");
    desk.write("msg.txt", b"armored");
    desk.doormat("seal -a -i alice.key -R bob.pub -o msg.asc msg.txt")
        .success();
    let text = desk.read_text("msg.asc");
    let body: String = text.lines().filter(|l| !l.starts_with("-----")).collect();
    let envelope = STANDARD.decode(body).unwrap();
    let bob: Identity = key_in(&desk, "bob.key");
    assert_eq!(e2e::open(&bob, &envelope).unwrap().plaintext(), b"armored");
}

#[test]
fn the_tool_opens_what_the_library_seals() {
    let desk = Desk::new();
    desk.user("bob");
    let alice = Identity::generate();
    let bob: PublicIdentity = key_in(&desk, "bob.pub");
    let message = noise(5 << 20, 6);
    let mut sealed = Vec::new();
    e2e::Sealer::new(&alice, std::slice::from_ref(&bob))
        .cipher(PayloadCipher::Aes256Gcm)
        .seal_stream(&message[..], &mut sealed)
        .unwrap();
    desk.write("msg.dm", &sealed);
    desk.write("alice.pub", alice.public().to_string().as_bytes());
    desk.doormat("open -i bob.key --expect-sender ./alice.pub -o msg.out msg.dm")
        .success();
    assert_eq!(desk.read("msg.out"), message);
}

#[test]
fn escrow_interoperates_both_ways() {
    let desk = Desk::new();
    desk.user("alice");
    desk.user("bob");
    desk.authority("teacher");
    let authority: EscrowAuthority = key_in(&desk, "teacher.key");
    let escrow_key: EscrowKey = key_in(&desk, "teacher.pub");
    assert_eq!(authority.public_key(), escrow_key);
    let bob: Identity = key_in(&desk, "bob.key");

    // Tool seals, library opens as the authority and as a compliant client.
    desk.write("msg.txt", b"from the tool");
    desk.doormat("escrow seal -i alice.key -R bob.pub --escrow-key teacher.pub -o tool.dm msg.txt")
        .success();
    let sealed = desk.read("tool.dm");
    assert_eq!(
        authority.open(&sealed).unwrap().plaintext(),
        b"from the tool"
    );
    assert_eq!(
        escrow::open(&bob, &escrow_key, &sealed)
            .unwrap()
            .plaintext(),
        b"from the tool"
    );

    // Library seals, the tool opens as the authority and as a client.
    let alice: Identity = key_in(&desk, "alice.key");
    let sealed = escrow::seal(&alice, &[bob.public()], &escrow_key, b"from the library").unwrap();
    desk.write("lib.dm", &sealed);
    desk.doormat("authority open -k teacher.key lib.dm")
        .success()
        .stdout("from the library");
    desk.doormat("escrow open -i bob.key --authority teacher.pub lib.dm")
        .success()
        .stdout("from the library");
    // The library's test process used its own random family, not the
    // classroom's: the 16-bit check fails, exactly as chips of another
    // family would.
    desk.doormat("escrow open -i bob.key --authority teacher.pub --policy clipper16 lib.dm")
        .code(5);
}
