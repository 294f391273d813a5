//! A whole lesson with 30 students and a teacher, over real HTTP: 30
//! student threads act at once at every step, each holding a live-update
//! stream open as its page would, while the teacher's thread runs the
//! room. The lesson must take under 60 seconds; its time, its request
//! count and the process's peak memory (server and clients together,
//! `VmHWM`) go to standard error. Its own test binary, so the peak is this lesson's.

mod common;

use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

use common::{Events, Phone, Response, Server};
use doormat_classroom::Limits;
use serde_json::{json, Value};

const STUDENTS: usize = 30;
const PROTEST_POSTER: usize = 2;
/// Messages: a clean and an escrowed one each, one superencrypted, a
/// picture each but student 0's three protest posters.
const MESSAGES: usize = 2 * STUDENTS + 1 + (STUDENTS - 1) + 3;
const STEPS: u8 = 12;
/// Generous for 2 shared cores; a run here took a few seconds.
const TIME_BOUND: Duration = Duration::from_secs(60);
/// The server keeps at most 64 phones and 2,000 messages of 4 KiB; this
/// lesson holds far less.
const MEMORY_BOUND_KIB: u64 = 128 * 1024;

/// A phone's request as its page makes it: a "slow down" (429) is waited
/// out and tried again, as a student would.
fn call(
    phone: &Phone,
    count: &AtomicUsize,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> Response {
    loop {
        count.fetch_add(1, Ordering::Relaxed);
        let r = phone.call(method, path, body.as_ref());
        if r.status != 429 {
            return r;
        }
        thread::sleep(Duration::from_millis(200));
    }
}

fn answer(phone: &Phone, count: &AtomicUsize, step: u8, answer: &str) -> bool {
    let r = call(
        phone,
        count,
        "POST",
        "/api/answer",
        Some(json!({"step": step, "answer": answer})),
    );
    assert_eq!(r.status, 200, "step {step}: {}", r.text());
    r.json()["correct"].as_bool().expect("a verdict")
}

fn send(phone: &Phone, count: &AtomicUsize, to: usize, text: &str, superencrypt: bool) {
    let body = json!({"to": to, "text": text, "superencrypt": superencrypt});
    let r = call(phone, count, "POST", "/api/send", Some(body));
    assert_eq!(r.status, 201, "{}", r.text());
}

fn picture(phone: &Phone, count: &AtomicUsize, to: usize, picture: usize) {
    let body = json!({"to": to, "picture": picture});
    let r = call(phone, count, "POST", "/api/send", Some(body));
    assert_eq!(r.status, 201, "{}", r.text());
}

fn view(phone: &Phone, count: &AtomicUsize) -> Value {
    let r = call(phone, count, "GET", "/api/me", None);
    assert_eq!(r.status, 200, "{}", r.text());
    r.json()
}

/// The peak resident memory of this process, in KiB.
fn peak_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// What student `i` does at `step` before anyone looks.
fn student_acts(i: usize, me: &Phone, n: &AtomicUsize, step: u8) {
    match step {
        3 => send(me, n, (i + 1) % STUDENTS, &format!("hello from {i}"), false),
        4 => send(
            me,
            n,
            (i + 2) % STUDENTS,
            &format!("escrowed from {i}"),
            false,
        ),
        8 if i == 3 => send(me, n, 4, "the surprise party is on friday", true),
        // Everyone sends a picture; student 0 the protest poster, three
        // times: the threshold.
        10 if i == 0 => (0..3).for_each(|_| picture(me, n, 1, PROTEST_POSTER)),
        10 => picture(me, n, (i + 1) % STUDENTS, i % 3),
        _ => {}
    }
}

/// What student `i` then sees and answers, given the projector's counts.
fn student_answers(i: usize, me: &Phone, n: &AtomicUsize, step: u8, projector: &Value) {
    let v = view(me, n);
    assert_eq!(v["step"]["number"], step);
    if step == 2 {
        assert_eq!(
            v["contacts"].as_array().expect("contacts").len(),
            STUDENTS - 1
        );
    }
    if step == 4 {
        // The compliant client refuses the clean message of step 3 and
        // reads the escrowed one.
        let inbox = v["inbox"].as_array().expect("an inbox");
        let got: Vec<&str> = inbox
            .iter()
            .map(|l| l["read"]["got"].as_str().unwrap())
            .collect();
        assert_eq!(got, ["reads", "cannot"], "student {i}");
        assert_eq!(inbox[1]["read"]["why"], "NotEscrowed");
    }
    let given = match step {
        3 => "0".to_owned(),
        5 => projector["tally"]["state"].to_string(),
        6 => projector["tally"]["criminal"].to_string(),
        7 => projector["custody"]["threshold"].to_string(),
        9 => projector["tally"]["seizer"].to_string(),
        s => ["1", "0", "1", "", "1", "", "", "", "1", "", "1", "2"][usize::from(s)].to_owned(),
    };
    assert!(
        answer(me, n, step, &given),
        "student {i}, step {step}: {given}"
    );
}

#[test]
fn thirty_students_and_a_teacher_run_the_whole_lesson() {
    let s = Server::start(Limits::default());
    let requests = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let phones: Vec<Phone> = (0..STUDENTS)
        .map(|i| s.join(&format!("student {i:02}")))
        .collect();
    requests.fetch_add(STUDENTS, Ordering::Relaxed);
    let barrier = Arc::new(Barrier::new(STUDENTS + 1));
    let projector = Arc::new(std::sync::Mutex::new(Value::Null));
    let students: Vec<_> = phones
        .iter()
        .cloned()
        .enumerate()
        .map(|(i, me)| {
            let (barrier, requests, projector) =
                (barrier.clone(), requests.clone(), projector.clone());
            thread::spawn(move || {
                let _page = Events::open(me.addr);
                for step in 0..STEPS {
                    barrier.wait();
                    student_acts(i, &me, &requests, step);
                    barrier.wait();
                    barrier.wait();
                    let seen = projector.lock().expect("the projector").clone();
                    student_answers(i, &me, &requests, step, &seen);
                    barrier.wait();
                }
            })
        })
        .collect();

    for step in 0..STEPS {
        match step {
            4 => s.act("/api/teacher/mode", json!({"mode": "escrow"})),
            6 => s.act("/api/teacher/leak", json!({"to": 2})),
            7 => {
                s.act(
                    "/api/teacher/split",
                    json!({"threshold": 2, "holders": [0, 1, 2]}),
                );
                let n = &requests;
                let alone = call(&phones[0], n, "POST", "/api/rebuild", None);
                assert_eq!(alone.status, 409, "one share gives nothing");
                let given = call(&phones[1], n, "POST", "/api/share", Some(json!({"to": 0})));
                assert_eq!(given.status, 200);
                assert_eq!(
                    call(&phones[0], n, "POST", "/api/rebuild", None).status,
                    200
                );
            }
            8 => s.act("/api/teacher/superencrypt", json!({"to": 3})),
            9 => s.act("/api/teacher/seize", json!({"phone": 5})),
            10 => {
                s.act("/api/teacher/mode", json!({"mode": "scanning"}));
                s.act("/api/teacher/scan", json!({}));
            }
            _ => {}
        }
        s.act("/api/teacher/step", json!({"step": step}));
        barrier.wait();
        barrier.wait();
        *projector.lock().expect("the projector") = s.room();
        requests.fetch_add(2, Ordering::Relaxed);
        barrier.wait();
        barrier.wait();
    }
    for student in students {
        student.join().expect("a student thread");
    }
    let room = s.room();
    let elapsed = started.elapsed();
    let peak = peak_kib();
    let total = requests.load(Ordering::Relaxed) + 1;

    let tally = &room["tally"];
    assert_eq!(tally["messages"], MESSAGES);
    assert_eq!(
        tally["recipient"], MESSAGES,
        "plain clients again, under scanning"
    );
    let escrowed = STUDENTS;
    assert_eq!(
        tally["state"], escrowed,
        "no clean, superencrypted or scanned one"
    );
    assert_eq!(
        tally["criminal"], tally["state"],
        "a copy of the key is the key"
    );
    assert_eq!(tally["seizer"], 3, "the messages sent to the seized phone");
    assert_eq!(tally["service"], 3, "student 0's three protest posters");
    assert_eq!(room["scanning"]["flagged"], json!(["student 00"]));
    assert_eq!(
        [&tally["eavesdropper"], &tally["others_read"]],
        [&json!(0); 2]
    );
    assert_eq!(tally["others_tried"], MESSAGES * (STUDENTS - 2));
    for (step, a) in room["answers"]
        .as_array()
        .expect("answers")
        .iter()
        .enumerate()
    {
        assert_eq!(
            *a,
            json!({"answered": STUDENTS, "correct": STUDENTS}),
            "step {step}"
        );
    }
    assert_eq!(room["students"][0]["key_copy"], "rebuilt");

    // Straight to standard error, so `cargo test` shows it.
    let _ = writeln!(
        std::io::stderr(),
        "\n30 students and a teacher, {STEPS} steps: {:.2} s, {total} requests, \
         peak memory (VmHWM, server and clients) {:.1} MiB",
        elapsed.as_secs_f64(),
        peak as f64 / 1024.0
    );
    assert!(elapsed < TIME_BOUND, "the lesson took {elapsed:?}");
    assert!(peak > 0, "VmHWM read from /proc/self/status");
    assert!(peak < MEMORY_BOUND_KIB, "peak memory {peak} KiB");
    s.act("/api/teacher/reset", json!({}));
    assert_eq!(s.room()["tally"]["messages"], 0);
}
