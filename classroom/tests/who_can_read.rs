//! The lesson's claims, cell by cell, through the HTTP API: each cell is a
//! real decryption by the party that holds the keys, and changes exactly
//! when the room changes who holds which key.

mod common;

use common::Server;
use doormat_classroom::Limits;
use serde_json::{json, Value};

/// Message `id`'s row in the teacher's view.
fn row(s: &Server, id: usize) -> Value {
    let room = s.room();
    let rows = room["wire"].as_array().expect("rows");
    rows.iter()
        .find(|r| r["id"] == id)
        .unwrap_or_else(|| panic!("message {id}"))
        .clone()
}

fn got(row: &Value, party: &str) -> String {
    let cell = &row["cells"][party];
    match cell["why"].as_str() {
        Some(why) => format!("{} {why}", cell["got"].as_str().unwrap()),
        None => cell["got"].as_str().unwrap().to_owned(),
    }
}

#[test]
fn every_cell_is_a_real_decryption_that_follows_the_room() {
    let s = Server::start(Limits::default());
    let (alice, bob, carol) = (s.join("Alice"), s.join("Bob"), s.join("Carol"));

    // Step 3: a clean message.
    let clean = alice.send(bob.id, "meet me at the library at noon");
    let r = row(&s, clean);
    assert_eq!(got(&r, "recipient"), "reads");
    assert_eq!(r["cells"]["others"], json!({"read": 0, "tried": 1}));
    assert_eq!(got(&r, "service"), "cannot NotARecipient");
    assert_eq!(got(&r, "eavesdropper"), "cannot NotARecipient");
    assert_eq!(got(&r, "state"), "cannot NotEscrowed");
    assert_eq!(got(&r, "criminal"), "no_key");
    assert_eq!(got(&r, "seizer"), "no_key");
    assert_eq!(
        (r["kind"].as_str(), r["recipients"].as_u64()),
        (Some("clean"), Some(1))
    );
    assert!(r["escrowed_to"].is_null());
    assert!(r["first_bytes"]
        .as_str()
        .unwrap()
        .starts_with(&hex("doormat")));
    let inbox = &bob.view()["inbox"][0];
    assert_eq!(inbox["read"]["text"], "meet me at the library at noon");
    assert_eq!(inbox["read"]["signed_by"], "Alice");
    assert_eq!(carol.view()["inbox"], json!([]));
    assert_eq!(
        carol.view()["wire"][0]["from"],
        "Alice",
        "the service sees who talks to whom"
    );

    // Step 4: the mandate. Bob's compliant client refuses the clean message.
    s.act("/api/teacher/mode", json!({"mode": "escrow"}));
    assert_eq!(got(&row(&s, clean), "recipient"), "cannot NotEscrowed");
    assert_eq!(
        bob.view()["inbox"][0]["read"],
        json!({"got": "cannot", "why": "NotEscrowed"})
    );
    let escrowed = bob.send(alice.id, "the answer to question 3 is 42");
    let r = row(&s, escrowed);
    let escrow_key = s.room()["escrow_key"].clone();
    assert_eq!(r["escrowed_to"], escrow_key);
    assert_eq!(got(&r, "recipient"), "reads");
    assert_eq!(got(&r, "service"), "cannot NotARecipient");
    assert_eq!(got(&r, "state"), "reads");
    assert_eq!(
        alice.view()["inbox"][0]["read"]["text"],
        "the answer to question 3 is 42"
    );

    // Step 5: the state reads the room, none of the clean messages.
    let desk = &s.room()["desk"];
    assert_eq!(desk[0]["read"]["text"], "the answer to question 3 is 42");
    assert_eq!(desk[0]["read"]["signed_by"], "Bob");
    assert_eq!(desk[1]["read"]["got"], "cannot");
    assert!(alice.answer(5, "1") && !carol.answer(5, "2"));

    // Step 6: the leak. Carol reads what the state reads, past and future.
    s.act("/api/teacher/leak", json!({"to": carol.id}));
    assert_eq!(got(&row(&s, escrowed), "criminal"), "reads");
    assert_eq!(got(&row(&s, clean), "criminal"), "cannot NotEscrowed");
    let later = bob.send(alice.id, "the quiz moved to thursday");
    assert_eq!(got(&row(&s, later), "criminal"), "reads");
    let copy = &carol.view()["key_copy"];
    assert_eq!(
        (copy["how"].clone(), copy["fingerprint"].clone()),
        (json!("leaked"), escrow_key)
    );
    assert_eq!(
        copy["opens"][0]["read"]["text"],
        "the quiz moved to thursday"
    );
    assert!(carol.answer(6, "2"));
    assert_eq!(s.room()["leaked_to"], "Carol");

    // Step 8: superencryption. The state finds only an envelope.
    s.act("/api/teacher/superencrypt", json!({"to": alice.id}));
    assert_eq!(alice.view()["may_superencrypt"], true);
    let hidden = alice.send_with(bob.id, "the surprise party is on friday", true);
    let r = row(&s, hidden);
    assert_eq!(r["kind"], "superencrypted");
    assert_eq!(got(&r, "recipient"), "reads");
    assert_eq!(got(&r, "state"), "envelope NotEscrowed");
    assert_eq!(got(&r, "criminal"), "envelope NotEscrowed");
    assert_eq!(
        bob.view()["inbox"][0]["read"]["text"],
        "the surprise party is on friday"
    );
    assert_eq!(
        s.room()["desk"][0]["read"],
        json!({"got": "envelope", "why": "NotEscrowed"})
    );
    assert!(bob.answer(8, "1"));

    // Step 9: Bob's phone is seized; the seizer reads what was sent to Bob,
    // before the seizure too, and nothing else.
    s.act("/api/teacher/seize", json!({"phone": bob.id}));
    for (id, expected) in [
        (clean, "reads"),
        (escrowed, "cannot NotARecipient"),
        (hidden, "reads"),
    ] {
        assert_eq!(got(&row(&s, id), "seizer"), expected, "message {id}");
    }
    assert_eq!(bob.view()["seized"], true);
    assert!(alice.answer(9, "2"));

    // Back to end to end: Bob's plain client opens the clean message again.
    s.act("/api/teacher/mode", json!({"mode": "end_to_end"}));
    assert_eq!(got(&row(&s, clean), "recipient"), "reads");

    let tally = &s.room()["tally"];
    assert_eq!(tally["messages"], 4);
    assert_eq!(
        [
            &tally["state"],
            &tally["criminal"],
            &tally["seizer"],
            &tally["service"]
        ],
        [&json!(2), &json!(2), &json!(2), &json!(0)]
    );
}

#[test]
fn a_reset_returns_the_room_to_the_start() {
    let s = Server::start(Limits::default());
    let (alice, bob) = (s.join("Alice"), s.join("Bob"));
    let before = (
        alice.view()["fingerprint"].clone(),
        s.room()["escrow_key"].clone(),
    );
    s.act("/api/teacher/mode", json!({"mode": "escrow"}));
    s.act("/api/teacher/step", json!({"step": 6}));
    alice.send(bob.id, "before the reset");
    s.act("/api/teacher/leak", json!({"to": bob.id}));
    s.act("/api/teacher/seize", json!({"phone": alice.id}));
    s.act(
        "/api/teacher/split",
        json!({"threshold": 1, "holders": [0]}),
    );
    assert!(alice.answer(0, "1"));
    s.act("/api/teacher/reset", json!({}));
    let room = s.room();
    assert_eq!(room["mode"], "end_to_end");
    assert_eq!(room["step"]["number"], 0);
    assert_eq!(room["tally"]["messages"], 0);
    assert!(room["leaked_to"].is_null() && room["seized"].is_null() && room["custody"].is_null());
    assert_ne!(room["escrow_key"], before.1, "a new authority");
    let view = alice.view();
    assert_ne!(view["fingerprint"], before.0, "fresh keys");
    assert_eq!(
        (view["inbox"].clone(), view["shares"].clone()),
        (json!([]), json!([]))
    );
    assert_eq!(room["students"][0]["answers"], json!({}));
    assert!(bob.view()["key_copy"].is_null());

    s.act("/api/teacher/reset", json!({"keep_students": false}));
    assert_eq!(alice.call("GET", "/api/me", None).status, 401);
    assert_eq!(s.room()["students"], json!([]));
    assert_eq!(s.join("Alice").id, 0, "the name is free again");
}

#[test]
fn scanning_reads_what_the_list_creeps_to() {
    const PROTEST_POSTER: usize = 2;
    let s = Server::start(Limits::default());
    let (alice, bob, carol) = (s.join("Alice"), s.join("Bob"), s.join("Carol"));
    s.act("/api/teacher/mode", json!({"mode": "scanning"}));
    let before = alice.view()["scan_list"].clone();
    assert_eq!(before["version"], 1);
    let photo = alice.send_picture(bob.id, 0);
    let early = alice.send_picture(bob.id, PROTEST_POSTER);
    let r = row(&s, early);
    assert_eq!(r["kind"], "scanned");
    assert!(
        r["escrowed_to"].is_null(),
        "no access field: end to end on the wire"
    );
    assert_eq!(
        got(&r, "service"),
        "cannot NoMatch",
        "the poster is not listed yet"
    );
    assert_eq!(got(&r, "recipient"), "reads");
    let letter = &bob.view()["inbox"][0]["read"];
    assert_eq!(letter["picture"], PROTEST_POSTER);
    assert_eq!(letter["text"], "[a picture: the protest poster]");

    // Function creep: the phones see new bytes, not what was added.
    s.act("/api/teacher/scan", json!({}));
    let after = alice.view()["scan_list"].clone();
    assert_eq!(after["version"], 2);
    assert_ne!(after["digest"], before["digest"]);
    assert_eq!(s.room()["scanning"]["poster_listed"], true);
    let posters: Vec<usize> = (0..3)
        .map(|_| alice.send_picture(carol.id, PROTEST_POSTER))
        .collect();
    let bob_once = bob.send_picture(carol.id, PROTEST_POSTER);
    // Alice's three matches reach the threshold: the service reads them.
    for &id in &posters {
        assert_eq!(got(&row(&s, id), "service"), "reads", "message {id}");
    }
    assert_eq!(got(&row(&s, bob_once), "service"), "cannot BelowThreshold");
    assert_eq!(got(&row(&s, photo), "service"), "cannot NoMatch");
    assert_eq!(
        got(&row(&s, early), "service"),
        "cannot NoMatch",
        "sent before the creep"
    );
    for id in posters.iter().chain([&bob_once, &photo]) {
        let r = row(&s, *id);
        assert_eq!(got(&r, "state"), "cannot NotEscrowed", "no escrow here");
        assert_eq!(got(&r, "eavesdropper"), "cannot NotARecipient");
    }
    let room = s.room();
    assert_eq!(room["scanning"]["flagged"], json!(["Alice"]));
    assert_eq!(room["tally"]["service"], 3);
    assert!(alice.answer(10, "1"));
    let r = alice.call(
        "POST",
        "/api/send",
        Some(&json!({"to": bob.id, "picture": 0, "superencrypt": true})),
    );
    assert_eq!(r.status, 409, "superencryption is for the escrow room");
}

fn hex(s: &str) -> String {
    s.bytes().map(|b| format!("{b:02x}")).collect()
}
