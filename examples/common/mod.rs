//! Narration helpers shared by the examples: headings, aligned facts,
//! colour when the terminal supports it (plain when piped or when `NO_COLOR`
//! is set), percentages, and the asserted one-line lesson each example ends
//! with. Each example uses a subset, hence the `dead_code` allowance.
#![allow(dead_code)]

use std::io::IsTerminal;
use std::sync::OnceLock;
use std::time::Instant;

/// Width of the label column.
pub const W: usize = 34;

/// Whether to colour: stdout is a terminal and `NO_COLOR` is unset or empty.
pub fn colour() -> bool {
    static ON: OnceLock<bool> = OnceLock::new();
    *ON.get_or_init(|| {
        std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
    })
}

fn paint(code: &str, text: &str) -> String {
    if colour() {
        format!("\x1b[{code}m{text}\x1b[0m")
    } else {
        text.to_owned()
    }
}

/// Green: someone reads it.
pub fn good(text: &str) -> String {
    paint("1;32", text)
}

/// Red: an exposure, or a refusal where one should read.
pub fn bad(text: &str) -> String {
    paint("1;31", text)
}

/// Dim: cannot read.
pub fn quiet(text: &str) -> String {
    paint("2", text)
}

/// Bold.
pub fn strong(text: &str) -> String {
    paint("1", text)
}

/// The example's title, underlined.
pub fn title(text: &str) {
    println!("{}\n{}", strong(text), "=".repeat(text.chars().count()));
}

/// A section heading.
pub fn heading(text: &str) {
    println!("\n{}\n{}", strong(text), "-".repeat(text.chars().count()));
}

/// A label and a computed value, aligned.
pub fn fact(label: &str, value: impl std::fmt::Display) {
    println!("{label:W$}{value}");
}

/// Narration, wrapped at 78 columns.
pub fn say(text: &str) {
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.len() + 1 + word.len() > 78 {
            println!("{line}");
            line.clear();
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        println!("{line}");
    }
}

/// `part` of `whole` as a percentage with one decimal.
pub fn pct(part: usize, whole: usize) -> String {
    format!("{:.1} %", 100.0 * part as f64 / whole.max(1) as f64)
}

/// A share in 0..=1 as a percentage with two decimals.
pub fn share(x: f64) -> String {
    format!("{:.2} %", 100.0 * x)
}

/// The closing lesson: asserted, then printed.
pub fn lesson(holds: bool, text: &str) {
    assert!(holds, "the lesson does not hold: {text}");
    println!("\n{} {text}", good("Lesson:"));
}

/// Prints how long the example took.
pub fn finished(started: Instant) {
    println!("\n(finished in {:.2} s)", started.elapsed().as_secs_f64());
}

/// Where an example draws its chart: the path given as its first argument,
/// else `docs/<name>` in the repository (the chart the README shows). The
/// smoke runs of `.ci/run` pass a path under `target/`, so checking the
/// examples never rewrites the committed charts.
pub fn chart_path(name: &str) -> std::path::PathBuf {
    std::env::args_os().nth(1).map_or_else(
        || {
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("docs")
                .join(name)
        },
        std::path::PathBuf::from,
    )
}
