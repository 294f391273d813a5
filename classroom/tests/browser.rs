//! The page in a real browser, driven as people use it: Debian's headless
//! Chromium through chromedriver (WebDriver). Students type their names
//! and join, send messages, read the matrix, answer a step; the teacher
//! clicks the mandate, the leak and the projector view; a screenshot of
//! the projector goes to `target/classroom-projector.png` and one of a
//! phone to `target/classroom-phone.png` (and one of a phone under
//! client-side scanning to `target/classroom-scanning.png`).
//!
//! Without a browser the test says why on standard error and passes,
//! unless `DOORMAT_REQUIRE_BROWSER=1` (which `.ci/run` sets once it has
//! installed Chromium): then a missing browser fails it.

mod common;
#[path = "browser/driver.rs"]
mod driver;

use std::io::Write;
use std::path::PathBuf;

use common::Server;
use doormat_classroom::Limits;
use driver::{find_browser, wait, Driver};
use serde_json::json;

/// Where the screenshots go: the target folder (`CARGO_TARGET_TMPDIR` is
/// its `tmp` subfolder).
fn target() -> PathBuf {
    let tmp = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    tmp.parent().map_or(tmp.clone(), PathBuf::from)
}

/// Says why the test does not run, where `cargo test` shows it even for a
/// passing test (straight to standard error, not through the capture).
fn skip(why: &str) {
    let required = std::env::var("DOORMAT_REQUIRE_BROWSER").is_ok_and(|v| v == "1");
    assert!(!required, "DOORMAT_REQUIRE_BROWSER=1, but {why}");
    let _ = writeln!(
        std::io::stderr(),
        "\nSKIPPED the browser test (classroom/tests/browser.rs): {why}\n"
    );
}

#[test]
fn a_class_in_a_real_browser() {
    let (browser, chromedriver) = match find_browser() {
        Ok(found) => found,
        Err(why) => return skip(&why),
    };
    let s = Server::start(Limits::default());
    let d = match Driver::start(&browser, &chromedriver) {
        Ok(d) => d,
        Err(why) => return skip(&format!("the browser did not start: {why}")),
    };
    let base = format!("http://{}", s.addr);

    // The teacher opens the link; the token leaves the address bar.
    let teacher = d.tab();
    d.go(&format!("{base}/#teacher={}", s.token));
    d.wait_text("#teacher-step", "Step 0: the room");
    assert!(!d.text("#teacher-controls").is_empty());

    // Three students join by typing their names; one name is hostile.
    let mallory_name = "<img src=x onerror=alert(1)>";
    let mut tabs = Vec::new();
    for name in ["Alice", "Bob", mallory_name] {
        tabs.push(d.new_tab());
        d.go(&format!("{base}/"));
        d.type_into("#join-name", name);
        d.click("#join-button");
        assert_eq!(d.wait_text("#my-name", name), name);
    }
    let [alice, bob, mallory] = [&tabs[0], &tabs[1], &tabs[2]];
    // The hostile name is text, in Mallory's phone and in Alice's contacts.
    assert!(d.all("img").is_empty(), "no element came from a name");
    d.switch(alice);
    d.wait_text("#phone-contacts", mallory_name);
    assert!(d.all("img").is_empty());

    // Alice answers step 0 by clicking the right choice.
    d.click("#answer-form input[value='1']");
    d.click("#answer-button");
    d.wait_text("#verdict", "✓ Right");

    // Alice writes to Bob, end to end; Bob reads it.
    d.choose("#send-to", "Bob");
    d.type_into("#send-text", "meet me at the library at noon");
    d.click("#send-button");
    d.switch(bob);
    d.wait_text("#phone-inbox", "meet me at the library at noon");
    assert!(d.text("#phone-inbox").contains("signature verified: Alice"));
    // The matrix, as Bob's page shows it.
    let row = d.wait_text("#phone-wire tr.message", "Alice → Bob");
    for cell in [
        "reads it",
        "0 of 1 read it",
        "cannot (NotARecipient)",
        "cannot (NotEscrowed)",
    ] {
        assert!(row.contains(cell), "{cell} in {row}");
    }

    // The teacher imposes the mandate; Bob's message is escrowed, and the
    // state reads it.
    d.switch(&teacher);
    d.click("#t-escrow");
    d.switch(bob);
    d.wait_text("#mode-badge", "escrow mandate");
    d.wait_text("#phone-inbox", "cannot open it (NotEscrowed)");
    d.choose("#send-to", "Alice");
    d.type_into("#send-text", "the answer to question 3 is 42");
    d.click("#send-button");
    d.switch(alice);
    let row = d.wait_text("#phone-wire tr.message", "Bob → Alice");
    assert!(
        row.contains("escrowed") && row.contains("access field for"),
        "{row}"
    );
    let state_cell = d.find("#phone-wire tr.message td:nth-child(8)");
    assert_eq!(d.text_of(&state_cell), "reads it");

    // The teacher leaks the key to Mallory, who now reads the escrowed message.
    d.switch(&teacher);
    d.choose("#t-student", mallory_name);
    d.click("#t-leak");
    d.switch(mallory);
    d.wait_text("#copy-opens", "the answer to question 3 is 42");

    // Classmates on the class network fill the room (through the API).
    let more: Vec<_> = ["Carol", "Dave", "Erin"]
        .iter()
        .map(|n| s.join(n))
        .collect();
    for (i, p) in more.iter().enumerate() {
        p.send(more[(i + 1) % more.len()].id, &format!("escrowed note {i}"));
    }

    // Step 5: Alice counts what the state reads, and the page checks it.
    d.switch(&teacher);
    d.choose("#t-step", "Step 5: the authority reads the room");
    d.switch(alice);
    d.wait_text("#phone-step", "Step 5");
    let state_reads = s.room()["tally"]["state"].to_string();
    d.type_into("#answer-number", &state_reads);
    d.click("#answer-button");
    d.wait_text("#verdict", "✓ Right");
    let phone_png = d.screenshot(&target().join("classroom-phone.png"));

    // The projector, at step 6, after a superencrypted message.
    d.switch(&teacher);
    d.wait_text("#step-answers", "1 of 6 students answered right");
    s.act("/api/teacher/superencrypt", json!({"to": more[0].id}));
    more[0].send_with(more[1].id, "the surprise party is on friday", true);
    d.wait_text("#tally-criminal", &format!("{state_reads} of 6"));
    d.choose("#t-step", "Step 6: the leaked key");
    d.wait_text("#teacher-step", "Step 6: the leaked key");
    d.click("#t-hide");
    wait("the controls to hide", || {
        d.text("#teacher-controls").is_empty().then_some(())
    });
    d.resize(1600, 1600);
    let path = target().join("classroom-projector.png");
    let png = d.screenshot(&path);
    for shot in [&png, &phone_png] {
        assert!(shot.starts_with(b"\x89PNG\r\n\x1a\n") && shot.len() > 10_000);
    }

    // Client-side scanning: Alice picks the protest poster from the menu;
    // Bob's phone shows the picture it decrypted (the policy lets the
    // page's own images load, and nothing else).
    d.click("#t-show");
    d.click("#t-scanning");
    d.switch(alice);
    d.wait_text("#mode-badge", "client-side scanning");
    d.wait_text("#scan-list", "version 1");
    d.choose("#send-to", "Bob");
    d.choose("#send-picture", "the protest poster");
    d.click("#send-button");
    d.switch(bob);
    d.wait_text("#phone-inbox", "[a picture: the protest poster]");
    let width = wait("the picture to load", || {
        let w = d.property("#phone-inbox img.picture", "naturalWidth");
        w.as_u64().filter(|&w| w > 0)
    });
    assert_eq!(width, 96);
    let scanning_png = d.screenshot(&target().join("classroom-scanning.png"));
    assert!(scanning_png.starts_with(b"\x89PNG\r\n\x1a\n"));
    let _ = writeln!(std::io::stderr(), "screenshot: {}", path.display());
    assert_eq!(s.room()["leaked_to"], json!(mallory_name));
}
