//! The classroom lab, `docs/CLASSROOM.md`, run end to end: the document *is*
//! the script. Every `sh` block runs, in order, in the folder of the person
//! it names (a teacher and three students, side by side with `class/`),
//! with the tool on the `PATH`. A command must exit 0, or with the code of
//! its `# exit N`; the text of its `# prints: …` must appear in its output.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use common::Desk;

const LAB: &str = include_str!("../../docs/CLASSROOM.md");
const README: &str = include_str!("../../README.md");

/// One command of the lab.
#[derive(Debug)]
struct Step {
    /// Line in CLASSROOM.md, for messages.
    line: usize,
    /// Whose terminal.
    who: String,
    /// The shell command line.
    command: String,
    /// The exit code it must end with.
    code: i32,
    /// Text its output must contain.
    prints: Option<String>,
}

/// Every command of every `sh` block, in order.
fn steps(doc: &str) -> Vec<Step> {
    let mut steps = Vec::new();
    let mut who: Option<String> = None;
    let mut in_block = false;
    for (i, raw) in doc.lines().enumerate() {
        let line_no = i + 1;
        if !in_block {
            in_block = raw == "```sh";
            continue;
        }
        if raw == "```" {
            assert!(who.is_some(), "CLASSROOM.md:{line_no}: an empty sh block");
            in_block = false;
            who = None;
            continue;
        }
        let Some(person) = &who else {
            let name = raw.strip_prefix("# ").unwrap_or_else(|| {
                panic!("CLASSROOM.md:{line_no}: a sh block must start with `# <name>`")
            });
            assert!(
                !name.is_empty() && name.bytes().all(|b| b.is_ascii_lowercase()),
                "CLASSROOM.md:{line_no}: `{name}` is not a person's name"
            );
            who = Some(name.to_string());
            continue;
        };
        let text = raw.trim();
        if text.is_empty() || text.starts_with('#') {
            continue;
        }
        let (command, note) = match text.find(" # ") {
            Some(at) => (text[..at].trim_end(), Some(&text[at + 3..])),
            None => (text, None),
        };
        let mut step = Step {
            line: line_no,
            who: person.clone(),
            command: command.to_string(),
            code: 0,
            prints: None,
        };
        match note {
            None => {}
            Some(note) => {
                if let Some(text) = note.strip_prefix("prints: ") {
                    step.prints = Some(text.to_string());
                } else if let Some(code) = note.strip_prefix("exit ") {
                    step.code = code
                        .parse()
                        .unwrap_or_else(|_| panic!("CLASSROOM.md:{line_no}: `exit {code}`"));
                } else {
                    panic!("CLASSROOM.md:{line_no}: unknown annotation `# {note}`");
                }
            }
        }
        steps.push(step);
    }
    assert!(!in_block, "CLASSROOM.md ends inside a sh block");
    steps
}

/// `PATH` with the tool's folder first.
fn path_with_tool() -> std::ffi::OsString {
    let bin_dir = Path::new(common::BIN).parent().unwrap();
    match std::env::var_os("PATH") {
        Some(p) => {
            let mut dirs = vec![bin_dir.to_path_buf()];
            dirs.extend(std::env::split_paths(&p));
            std::env::join_paths(dirs).unwrap()
        }
        None => bin_dir.as_os_str().to_owned(),
    }
}

/// Runs every step; returns the people and how many commands ran.
fn run_lab(root: &Path, steps: &[Step]) -> (BTreeSet<String>, usize) {
    let path = path_with_tool();
    let mut env: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    let mut ran = 0;
    for step in steps {
        let desk: PathBuf = root.join(&step.who);
        std::fs::create_dir_all(&desk).unwrap();
        let vars = env.entry(step.who.clone()).or_default();
        if let Some(assignment) = step.command.strip_prefix("export ") {
            let (name, value) = assignment.split_once('=').expect("export NAME=VALUE");
            vars.push((name.to_string(), value.to_string()));
            continue;
        }
        let out = Command::new("sh")
            .arg("-c")
            .arg(&step.command)
            .current_dir(&desk)
            .env_remove("DOORMAT_CONTACTS")
            .env("PATH", &path)
            .envs(vars.iter().map(|(k, v)| (k, v)))
            .stdin(std::process::Stdio::null())
            .output()
            .expect("sh runs");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        let context = format!(
            "CLASSROOM.md:{} ({}): `{}`\n--- stdout\n{stdout}--- stderr\n{stderr}",
            step.line, step.who, step.command
        );
        assert_eq!(out.status.code(), Some(step.code), "{context}");
        if let Some(text) = &step.prints {
            assert!(
                stdout.contains(text.as_str()) || stderr.contains(text.as_str()),
                "expected `{text}` in the output of {context}"
            );
        }
        ran += 1;
    }
    (env.into_keys().collect(), ran)
}

#[test]
fn the_classroom_lab_runs_as_written() {
    let steps = steps(LAB);
    let room = Desk::new();
    let (people, ran) = run_lab(room.root(), &steps);

    let expected: BTreeSet<String> = ["alice", "bob", "carol", "teacher"]
        .map(String::from)
        .into();
    assert_eq!(people, expected);
    assert!(ran >= 40, "only {ran} commands ran");
    for code in [3, 5] {
        assert!(
            steps.iter().any(|s| s.code == code),
            "the lab shows no failure with exit code {code}"
        );
    }

    // What the lab claims, checked from the outside.
    let at = |p: &str| room.root().join(p);
    assert!(at("carol/rebuilt.key").exists());
    assert!(
        !at("alice/alone.key").exists(),
        "a failed recover left a key"
    );
    assert!(!at("class/custody/share-1.key").exists());
    #[cfg(unix)]
    for key in [
        "alice/alice.key",
        "teacher/teacher.key",
        "carol/rebuilt.key",
        "bob/my-share.key",
    ] {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(at(key)).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{key}");
    }
    let teacher_fp = room
        .cmd(&["fingerprint", "teacher/teacher.key"])
        .output()
        .unwrap();
    let found_fp = room
        .cmd(&["fingerprint", "carol/found.key"])
        .output()
        .unwrap();
    assert_eq!(teacher_fp.stdout, found_fp.stdout, "the copy is the key");
    for dir in ["alice", "bob", "carol", "teacher", "class"] {
        for entry in std::fs::read_dir(at(dir)).unwrap() {
            let name = entry.unwrap().file_name();
            assert!(
                !name.to_string_lossy().contains("doormat-tmp"),
                "{dir}/{name:?} left behind"
            );
        }
    }
}

#[test]
fn the_readme_example_runs() {
    let section = &README[README.find("## Command line").expect("the section")..];
    let block = section
        .split("```sh\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("a sh block");
    let desk = Desk::new();
    let mut last = Vec::new();
    for line in block.lines() {
        let out = Command::new("sh")
            .arg("-c")
            .arg(line)
            .current_dir(desk.root())
            .env_remove("DOORMAT_CONTACTS")
            .env("PATH", path_with_tool())
            .output()
            .expect("sh runs");
        assert!(out.status.success(), "README: `{line}`: {out:?}");
        last = out.stdout;
    }
    assert_eq!(last, b"meet at noon\n");
}

#[test]
fn annotations_are_read_strictly() {
    let doc = "```sh\n# amy\nls  # exit 3\necho hi  # prints: hi\n```\n";
    let parsed = steps(doc);
    assert_eq!(parsed.len(), 2);
    assert_eq!((parsed[0].code, parsed[0].who.as_str()), (3, "amy"));
    assert_eq!(parsed[1].prints.as_deref(), Some("hi"));
    let typo = std::panic::catch_unwind(|| steps("```sh\n# amy\nls  # print: x\n```\n"));
    assert!(typo.is_err(), "a misspelt annotation must not be ignored");
}
