//! Every endpoint over real HTTP, and every refusal: its status and its
//! sentence.

mod common;

use std::time::Duration;

use common::{request, Events, Server};
use doormat_classroom::{Limits, SESSION_HEADER, TEACHER_HEADER};
use serde_json::{json, Value};

fn server() -> Server {
    Server::start(Limits::default())
}

#[test]
fn the_page_and_its_files_are_served_with_a_strict_policy() {
    let s = server();
    for (path, kind) in [
        ("/", "text/html"),
        ("/app.css", "text/css"),
        ("/common.js", "text/javascript"),
        ("/phone.js", "text/javascript"),
        ("/teacher.js", "text/javascript"),
    ] {
        let r = s.request("GET", path, None);
        assert_eq!(r.status, 200, "{path}");
        assert!(
            r.header("content-type").unwrap().starts_with(kind),
            "{path}"
        );
        let csp = r.header("content-security-policy").expect("a policy");
        assert!(csp.contains("script-src 'self'") && csp.contains("default-src 'none'"));
        assert_eq!(r.header("x-content-type-options"), Some("nosniff"));
        assert_eq!(r.header("cache-control"), Some("no-store"));
    }
    let page = s.request("GET", "/", None).text();
    // No inline script or style: the policy would block them anyway.
    assert_eq!(
        page.matches("<script").count(),
        page.matches("<script src=").count()
    );
    assert!(!page.contains("style=") && !page.contains("<style"));
    assert!(
        !page.contains("http://") && !page.contains("https://"),
        "no CDN"
    );
    let picture = s.request("GET", "/pictures/2.png", None);
    assert_eq!(picture.status, 200);
    assert_eq!(picture.header("content-type"), Some("image/png"));
    assert!(picture.body.starts_with(b"\x89PNG"));
    for path in ["/pictures/3.png", "/pictures/2", "/pictures/..%2Fapp.css"] {
        assert_eq!(s.request("GET", path, None).status, 404, "{path}");
    }
    let missing = s.request("GET", "/nowhere", None);
    assert_eq!(missing.status, 404);
    assert_eq!(missing.error(), "no such page");
    assert_eq!(s.request("DELETE", "/api/join", None).status, 405);
}

#[test]
fn the_scripts_never_write_html() {
    let s = server();
    for path in ["/common.js", "/phone.js", "/teacher.js"] {
        let js = s.request("GET", path, None).text();
        for sink in [
            "innerHTML",
            "outerHTML",
            "insertAdjacentHTML",
            "document.write",
            "eval(",
        ] {
            assert!(!js.contains(sink), "{path} uses {sink}");
        }
    }
}

#[test]
fn joining_takes_a_fresh_name_and_refuses_the_rest() {
    let s = Server::start(Limits {
        max_students: 2,
        max_name_chars: 10,
        ..Limits::default()
    });
    let alice = s.join("Alice");
    assert_eq!(alice.id, 0);
    assert_eq!(alice.session.len(), 64, "32 random bytes in hex");
    let refused = |body: Value, status: u16, says: &str| {
        let r = s.request("POST", "/api/join", Some(&body));
        assert_eq!(r.status, status, "{body}: {}", r.text());
        assert!(r.error().contains(says), "{body}: {}", r.error());
    };
    refused(json!({"name": "   "}), 400, "empty");
    refused(json!({"name": "Bartholomew the Great"}), 400, "too long");
    refused(json!({"name": "Bob\u{7}"}), 400, "control characters");
    refused(json!({"name": "ALICE"}), 409, "already has that name");
    refused(json!({"nom": "Bob"}), 400, "malformed request");
    refused(json!("Bob"), 400, "malformed request");
    let r = request(s.addr, "POST", "/api/join", &[], Some("{\"name\": "));
    assert_eq!(
        (r.status, r.error().starts_with("malformed request")),
        (400, true)
    );
    s.join("Bob");
    refused(json!({"name": "Carol"}), 409, "the room is full (2 phones)");
}

#[test]
fn a_name_is_data_never_markup() {
    let s = server();
    let name = "<img src=x onerror=alert(1)>";
    let mallory = s.join(name);
    assert_eq!(mallory.view()["name"], name);
    assert_eq!(s.room()["students"][0]["name"], name);
    assert!(!s.request("GET", "/", None).text().contains("onerror"));
}

#[test]
fn a_phone_needs_its_session() {
    let s = server();
    let alice = s.join("Alice");
    let r = s.request("GET", "/api/me", None);
    assert_eq!(r.status, 401);
    assert!(r.error().contains("join the class first"));
    let forged = [(SESSION_HEADER, "00".repeat(32))];
    let forged: Vec<(&str, &str)> = forged.iter().map(|(n, v)| (*n, v.as_str())).collect();
    let r = request(s.addr, "GET", "/api/me", &forged, None);
    assert_eq!(r.status, 401);
    assert!(r.error().contains("not in the room"));
    for (path, body) in [
        ("/api/send", json!({"to": 0, "text": "hi"})),
        ("/api/answer", json!({"step": 0, "answer": "1"})),
        ("/api/share", json!({"to": 0})),
        ("/api/rebuild", json!({})),
    ] {
        assert_eq!(s.request("POST", path, Some(&body)).status, 401, "{path}");
    }
    let view = alice.view();
    assert_eq!(view["name"], "Alice");
    assert_eq!(view["mode"], "end_to_end");
    assert_eq!(view["step"]["number"], 0);
    assert_eq!(view["fingerprint"].as_str().unwrap().len(), 39);
}

#[test]
fn sending_refuses_what_it_cannot_carry() {
    let s = Server::start(Limits {
        max_messages: 4,
        max_message_len: 100,
        max_body_len: 1024,
        burst: 3,
        refill: Duration::from_secs(3600),
        ..Limits::default()
    });
    let (alice, bob) = (s.join("Alice"), s.join("Bob"));
    let refused = |from: &common::Phone, body: Value, status: u16, says: &str| {
        let r = from.call("POST", "/api/send", Some(&body));
        assert_eq!(r.status, status, "{body}: {}", r.text());
        assert!(r.error().contains(says), "{body}: {}", r.error());
    };
    refused(
        &alice,
        json!({"to": 7, "text": "hi"}),
        404,
        "no phone number 7",
    );
    refused(
        &alice,
        json!({"to": alice.id, "text": "hi"}),
        400,
        "not yourself",
    );
    refused(
        &alice,
        json!({"to": bob.id, "text": "x".repeat(101)}),
        413,
        "at most 100 bytes",
    );
    refused(
        &alice,
        json!({"to": bob.id, "text": "x".repeat(2000)}),
        413,
        "the request is too long",
    );
    refused(
        &alice,
        json!({"to": bob.id, "text": " "}),
        409,
        "write something",
    );
    refused(
        &alice,
        json!({"to": bob.id, "picture": 3}),
        404,
        "no picture number 3",
    );
    refused(&alice, json!({"to": bob.id}), 400, "a text or a picture");
    let both = json!({"to": bob.id, "text": "hi", "picture": 0});
    refused(&alice, both, 400, "a text or a picture");
    refused(
        &alice,
        json!({"to": bob.id, "text": "hi", "cc": 1}),
        400,
        "unknown field",
    );
    refused(
        &alice,
        json!({"to": bob.id, "text": "hi", "superencrypt": true}),
        409,
        "escrow room",
    );
    s.act("/api/teacher/mode", json!({"mode": "escrow"}));
    refused(
        &alice,
        json!({"to": bob.id, "text": "hi", "superencrypt": true}),
        409,
        "superencryption tool",
    );
    // Refusals cost nothing; three messages empty Alice's bucket.
    assert_eq!(alice.send(bob.id, "one"), 0);
    assert_eq!(alice.send(bob.id, "two"), 1);
    assert_eq!(alice.send(bob.id, "three"), 2);
    refused(
        &alice,
        json!({"to": bob.id, "text": "four"}),
        429,
        "slow down",
    );
    assert_eq!(bob.send(alice.id, "Bob's bucket is full"), 3);
    refused(
        &bob,
        json!({"to": alice.id, "text": "five"}),
        409,
        "at most 4 messages",
    );
    s.act("/api/teacher/reset", json!({}));
    assert_eq!(
        alice.send(bob.id, "a reset refills the room and the buckets"),
        0
    );
}

#[test]
fn answers_check_themselves_and_refuse_nonsense() {
    let s = server();
    let (alice, bob) = (s.join("Alice"), s.join("Bob"));
    let refused = |body: Value, status: u16, says: &str| {
        let r = alice.call("POST", "/api/answer", Some(&body));
        assert_eq!(r.status, status, "{body}: {}", r.text());
        assert!(r.error().contains(says), "{body}: {}", r.error());
    };
    refused(json!({"step": 12, "answer": "0"}), 404, "no step 12");
    refused(
        json!({"step": 0, "answer": "the server"}),
        400,
        "a whole number",
    );
    refused(json!({"step": 0, "answer": "3"}), 400, "one of its choices");
    refused(
        json!({"step": 3, "answer": "0"}),
        409,
        "send a message first",
    );
    refused(json!({"step": 7, "answer": "2"}), 409, "not been split");
    refused(
        json!({"step": 9, "answer": "0"}),
        409,
        "no phone has been seized",
    );
    assert!(!alice.answer(0, "0"));
    assert!(alice.answer(0, "1"), "the keys live in the server's memory");
    let said = alice.call(
        "POST",
        "/api/answer",
        Some(&json!({"step": 1, "answer": "0"})),
    );
    assert!(said.json()["says"]
        .as_str()
        .unwrap()
        .contains("one user's key exposes one user"));
    alice.send(bob.id, "hi");
    assert!(alice.answer(3, "0"), "nobody else reads a clean message");
    assert!(!alice.answer(3, "1"));
    let room = s.room();
    assert_eq!(room["answers"][0], json!({"answered": 1, "correct": 1}));
    assert_eq!(
        room["answers"][3],
        json!({"answered": 1, "correct": 0}),
        "the latest answer counts"
    );
}

#[test]
fn teacher_actions_need_the_token() {
    let s = server();
    s.join("Alice");
    let wrong = "ab".repeat(32);
    for (path, body) in [
        ("/api/teacher/mode", json!({"mode": "escrow"})),
        ("/api/teacher/step", json!({"step": 1})),
        ("/api/teacher/leak", json!({"to": 0})),
        ("/api/teacher/superencrypt", json!({"to": 0})),
        ("/api/teacher/seize", json!({"phone": 0})),
        (
            "/api/teacher/split",
            json!({"threshold": 1, "holders": [0]}),
        ),
        ("/api/teacher/scan", json!({})),
        ("/api/teacher/reset", json!({})),
    ] {
        let body = body.to_string();
        let none = request(s.addr, "POST", path, &[], Some(&body));
        assert_eq!(none.status, 401, "{path}");
        assert!(none.error().contains("teacher only"));
        let bad = request(
            s.addr,
            "POST",
            path,
            &[(TEACHER_HEADER, &wrong)],
            Some(&body),
        );
        assert_eq!(bad.status, 403, "{path}");
        let short = request(s.addr, "POST", path, &[(TEACHER_HEADER, "ab")], Some(&body));
        assert_eq!(short.status, 403, "{path}");
    }
    assert_eq!(s.request("GET", "/api/room", None).status, 401);
    let room = s.room();
    assert_eq!(room["mode"], "end_to_end", "nothing changed");
    assert_eq!(room["step"]["number"], 0);
    assert!(room["leaked_to"].is_null() && room["seized"].is_null() && room["custody"].is_null());
}

#[test]
fn teacher_actions_refuse_what_the_room_cannot_do() {
    let s = server();
    let (alice, bob) = (s.join("Alice"), s.join("Bob"));
    let refused = |path: &str, body: Value, status: u16, says: &str| {
        let r = s.teacher("POST", path, Some(&body));
        assert_eq!(r.status, status, "{path} {body}: {}", r.text());
        assert!(r.error().contains(says), "{path}: {}", r.error());
    };
    refused(
        "/api/teacher/mode",
        json!({"mode": "clipper"}),
        400,
        "unknown variant",
    );
    refused("/api/teacher/step", json!({"step": 12}), 404, "no step 12");
    refused(
        "/api/teacher/leak",
        json!({"to": 5}),
        404,
        "no phone number 5",
    );
    refused(
        "/api/teacher/superencrypt",
        json!({"to": 5}),
        404,
        "no phone number 5",
    );
    refused(
        "/api/teacher/seize",
        json!({"phone": 5}),
        404,
        "no phone number 5",
    );
    refused(
        "/api/teacher/split",
        json!({"threshold": 3, "holders": [0, 1]}),
        409,
        "threshold of 3",
    );
    refused(
        "/api/teacher/split",
        json!({"threshold": 1, "holders": [0, 0]}),
        409,
        "one share",
    );
    refused(
        "/api/teacher/split",
        json!({"threshold": 1, "holders": [0, 9]}),
        404,
        "no phone number 9",
    );
    s.act("/api/teacher/step", json!({"step": 4}));
    assert_eq!(alice.view()["step"]["title"], "Step 4: the escrow mandate");
    assert_eq!(bob.view()["step"]["number"], 4);
}

#[test]
fn custody_needs_enough_shares() {
    let s = server();
    let (alice, bob, carol) = (s.join("Alice"), s.join("Bob"), s.join("Carol"));
    let r = alice.call("POST", "/api/rebuild", None);
    assert_eq!((r.status, r.error()), (409, "you hold no share".to_owned()));
    let r = alice.call("POST", "/api/share", Some(&json!({"to": bob.id})));
    assert_eq!(
        (r.status, r.error()),
        (409, "you hold no share to give".to_owned())
    );
    s.act("/api/teacher/mode", json!({"mode": "escrow"}));
    bob.send(alice.id, "the answer to question 3 is 42");
    s.act(
        "/api/teacher/split",
        json!({"threshold": 2, "holders": [0, 1, 2]}),
    );
    assert_eq!(carol.view()["shares"], json!([[3, 2]]));
    let alone = carol.call("POST", "/api/rebuild", None);
    assert_eq!(alone.status, 409);
    assert!(
        alone.error().contains("need 2 key shares, got 1"),
        "{}",
        alone.error()
    );
    assert!(carol.view()["key_copy"].is_null());
    let r = carol.call("POST", "/api/share", Some(&json!({"to": carol.id})));
    assert_eq!(r.status, 400);
    let r = bob.call("POST", "/api/share", Some(&json!({"to": carol.id})));
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(carol.call("POST", "/api/rebuild", None).status, 200);
    let copy = &carol.view()["key_copy"];
    assert_eq!(copy["how"], "rebuilt");
    assert_eq!(copy["fingerprint"], s.room()["escrow_key"]);
    assert_eq!(
        copy["opens"][0]["read"]["text"],
        "the answer to question 3 is 42"
    );
    assert_eq!(copy["opens"][0]["read"]["signed_by"], "Bob");
    assert!(carol.answer(7, "2"));
}

#[test]
fn live_updates_announce_every_change_and_end_on_shutdown() {
    let s = server();
    let mut events = Events::open(s.addr);
    assert_eq!(events.status, 200);
    let kind = events
        .headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-type"));
    assert_eq!(kind.map(|(_, v)| v.as_str()), Some("text/event-stream"));
    let first = events.next_version().expect("a first event");
    s.join("Alice");
    let second = events.next_version().expect("an event for the join");
    assert!(second > first);
    let started = std::time::Instant::now();
    s.stop().expect("a clean stop");
    assert!(events.ends(), "the stream ends when the server stops");
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[test]
fn live_updates_are_bounded() {
    let s = Server::start(Limits {
        max_streams: 2,
        ..Limits::default()
    });
    let _held = [Events::open(s.addr), Events::open(s.addr)];
    let third = Events::open(s.addr);
    assert_eq!(third.status, 503);
}

/// A page of another site that renamed itself to 127.0.0.1 (DNS
/// rebinding) reaches the loopback server with its own host name in
/// `Host`: refused (421) before any handler runs, join included; the
/// server's own names are answered.
#[test]
fn a_request_for_another_host_name_is_refused() {
    use std::io::{Read, Write};
    let s = server();
    let raw = |host: &str, method: &str, path: &str| -> String {
        let mut stream = std::net::TcpStream::connect(s.addr).expect("connect");
        let body = r#"{"name":"mallory"}"#;
        let head = format!(
            "{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        stream.write_all(head.as_bytes()).expect("write");
        let mut out = String::new();
        stream.read_to_string(&mut out).expect("read");
        out
    };
    let port = s.addr.port();
    for host in [
        format!("evil.example:{port}"),
        "evil.example".into(),
        String::new(),
    ] {
        let out = raw(&host, "POST", "/api/join");
        assert!(out.starts_with("HTTP/1.1 421"), "Host {host:?}: {out}");
        assert!(
            out.contains("answers only to the address it printed"),
            "{out}"
        );
        assert!(raw(&host, "GET", "/").starts_with("HTTP/1.1 421"));
    }
    for host in [
        format!("127.0.0.1:{port}"),
        format!("localhost:{port}"),
        format!("LOCALHOST:{port}"),
    ] {
        assert!(
            raw(&host, "GET", "/").starts_with("HTTP/1.1 200"),
            "Host {host:?}"
        );
    }
    // Nobody joined through the refused requests.
    let students = s.room()["students"]
        .as_array()
        .cloned()
        .expect("a list of students");
    assert!(students.is_empty(), "{students:?}");
}
