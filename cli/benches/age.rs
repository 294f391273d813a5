//! The command line against the tool a user would otherwise install: the
//! `doormat` binary beside the `age` binary (the Go tool, as packaged by the
//! distribution: `apt-get install age`), on the same file, in the same run.
//!
//! `cargo bench -p doormat-cli --bench age` seals and opens one file of
//! random bytes (1 GiB; `DOORMAT_BENCH_MIB` changes it) with both tools,
//! to a pipe (this process reads and discards it) and to a file (`-o`),
//! doormat with ChaCha20-Poly1305 (age's only payload cipher) and with
//! AES-256-GCM. The runs of one case are interleaved, the order rotating
//! each round and reversed every other round, `DOORMAT_BENCH_REPS` rounds
//! (5) after one untimed warm-up, and each figure is the median of its
//! runs. `DOORMAT_BENCH_BASELINE` names another doormat binary to run
//! beside this one (before and after a change, in one run).
//!
//! * **Wall time**: from spawning the process to reaping it.
//! * **CPU time**: user plus system time of the child, read from this
//!   process's own `/proc/self/stat` (`cutime` and `cstime`: the CPU time
//!   of the children it has waited for) just before spawning and just
//!   after reaping. The kernel adds a child's times there when it is
//!   reaped, so the figure is exact and needs neither `libc` (`wait4`)
//!   nor a shell's `time`; its unit is a clock tick (10 ms), under 1 % of
//!   a run on 1 GiB. Nothing else is spawned while a run is timed.
//!
//! Writing to a file, doormat syncs the file and its directory before it
//! reports success (a durable write) and age does not; both are timed as a
//! user meets them. Every run to a file starts after a `sync`, untimed, so
//! no run pays for its predecessor's dirty pages.
//!
//! Skipped, with a message, when `age` is not on `PATH`, and whenever the
//! binary is not run by `cargo bench` (so `cargo test --benches` does not
//! spend minutes here). Nothing here asserts a timing: the figures go in
//! the README.

use std::fs::{self, File};
use std::io::{BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

/// The binary under test, built by Cargo for this bench.
const DOORMAT: &str = env!("CARGO_BIN_EXE_doormat");

/// Which tool, and how it is asked.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Tool {
    Age,
    /// A doormat binary, with AES-256-GCM if `aes` (else ChaCha20-Poly1305),
    /// named `label` in the table.
    Doormat {
        bin: PathBuf,
        aes: bool,
        label: String,
    },
}

impl Tool {
    /// age, and this bench's doormat with each cipher; with
    /// `DOORMAT_BENCH_BASELINE=/path/to/doormat`, that binary too (another
    /// build, for a before-and-after comparison in one run).
    fn all() -> Vec<Tool> {
        let mut tools = vec![Tool::Age];
        let mut add = |bin: PathBuf, who: &str| {
            for aes in [false, true] {
                let cipher = if aes {
                    "AES-256-GCM"
                } else {
                    "ChaCha20-Poly1305"
                };
                tools.push(Tool::Doormat {
                    bin: bin.clone(),
                    aes,
                    label: format!("{who}, {cipher}"),
                });
            }
        };
        add(PathBuf::from(DOORMAT), "doormat");
        if let Some(baseline) = std::env::var_os("DOORMAT_BENCH_BASELINE") {
            add(PathBuf::from(baseline), "baseline");
        }
        tools
    }

    fn name(&self) -> &str {
        match self {
            Tool::Age => "age (Go)",
            Tool::Doormat { label, .. } => label,
        }
    }

    /// The sealed file this tool opens (each binary opens its own).
    fn sealed(&self, dir: &Path) -> PathBuf {
        let name = self.name().replace([' ', ',', '(', ')'], "_");
        dir.join(format!("sealed-{name}"))
    }

    /// The command that seals `input` (to standard output unless `output`).
    fn seal(&self, dir: &Path, input: &Path, output: Option<&Path>) -> Command {
        let mut cmd = match self {
            Tool::Age => {
                let recipient = fs::read_to_string(dir.join("age.pub")).expect("age.pub");
                let mut cmd = Command::new("age");
                cmd.args(["-r", recipient.trim()]);
                cmd
            }
            Tool::Doormat { bin, aes, .. } => {
                let mut cmd = Command::new(bin);
                cmd.args(["seal", "-i", "alice.key", "-R", "bob.pub"]);
                if *aes {
                    cmd.args(["--cipher", "aes256gcm"]);
                }
                cmd
            }
        };
        if let Some(output) = output {
            cmd.arg("-o").arg(output);
        }
        cmd.arg(input).current_dir(dir);
        cmd
    }

    /// The command that opens this tool's sealed file.
    fn open(&self, dir: &Path, output: Option<&Path>) -> Command {
        let mut cmd = match self {
            Tool::Age => {
                let mut cmd = Command::new("age");
                cmd.args(["-d", "-i", "age.key"]);
                cmd
            }
            Tool::Doormat { bin, .. } => {
                let mut cmd = Command::new(bin);
                cmd.args(["open", "-i", "bob.key"]);
                cmd
            }
        };
        if let Some(output) = output {
            cmd.arg("-o").arg(output);
        }
        cmd.arg(self.sealed(dir)).current_dir(dir);
        cmd
    }
}

/// One timed run.
#[derive(Clone, Copy, Debug)]
struct Run {
    wall: f64,
    cpu: f64,
}

/// Seconds of CPU time (user + system) of the children this process has
/// reaped: fields 16 and 17 of `/proc/self/stat`, in clock ticks.
fn children_cpu(tick: f64) -> f64 {
    let stat = fs::read_to_string("/proc/self/stat").expect("/proc/self/stat");
    // The command name (field 2) may hold spaces; the fields after it don't.
    let rest = &stat[stat.rfind(')').expect("a stat line") + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // `rest` starts at field 3.
    let ticks = |field: usize| -> f64 { fields[field - 3].parse::<u64>().expect("ticks") as f64 };
    (ticks(16) + ticks(17)) / tick
}

/// Runs `cmd`, its standard output read and discarded by this process
/// (`to_pipe`) or going nowhere (it writes a file itself).
fn timed(mut cmd: Command, to_pipe: bool, tick: f64) -> Run {
    cmd.stdin(Stdio::null()).stderr(Stdio::piped());
    cmd.stdout(if to_pipe {
        Stdio::piped()
    } else {
        Stdio::null()
    });
    let cpu_before = children_cpu(tick);
    let start = Instant::now();
    let mut child = cmd.spawn().expect("the tool starts");
    let drained = child.stdout.take().map(|mut out| {
        std::thread::spawn(move || {
            let mut buf = vec![0u8; 1 << 20];
            let mut total = 0u64;
            loop {
                match out.read(&mut buf) {
                    Ok(0) => return total,
                    Ok(n) => total += n as u64,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(e) => panic!("reading the pipe: {e}"),
                }
            }
        })
    });
    let mut stderr = String::new();
    if let Some(mut err) = child.stderr.take() {
        let _ = err.read_to_string(&mut stderr);
    }
    let status = child.wait().expect("wait for the tool");
    let wall = start.elapsed().as_secs_f64();
    let cpu = children_cpu(tick) - cpu_before;
    if let Some(thread) = drained {
        let bytes = thread.join().expect("the pipe reader");
        assert!(bytes > 0, "nothing came through the pipe");
    }
    assert!(status.success(), "{cmd:?} failed: {stderr}");
    Run { wall, cpu }
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(|a, b| a.total_cmp(b));
    let n = xs.len();
    if n % 2 == 1 {
        xs[n / 2]
    } else {
        (xs[n / 2 - 1] + xs[n / 2]) / 2.0
    }
}

/// Whether `name` is an executable on `PATH`.
fn on_path(name: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(name).is_file()))
}

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// `len` bytes that do not compress (xorshift), written in 1 MiB blocks.
fn write_noise(path: &Path, len: u64) {
    let mut out = BufWriter::new(File::create(path).expect("create the input"));
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut block = vec![0u8; 1 << 20];
    let mut left = len;
    while left > 0 {
        for word in block.chunks_exact_mut(8) {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            word.copy_from_slice(&state.to_le_bytes());
        }
        let n = left.min(block.len() as u64) as usize;
        out.write_all(&block[..n]).expect("write the input");
        left -= n as u64;
    }
    out.flush().expect("write the input");
}

fn run_ok(cmd: &mut Command) -> Vec<u8> {
    let out = cmd.output().expect("the command starts");
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// Flushes every dirty page to disk, untimed.
fn sync() {
    let _ = Command::new("sync").status();
}

/// What one case does with one tool.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Case {
    SealPipe,
    OpenPipe,
    SealFile,
    OpenFile,
}

impl Case {
    fn name(self) -> &'static str {
        match self {
            Case::SealPipe => "seal, to a pipe",
            Case::OpenPipe => "open, to a pipe",
            Case::SealFile => "seal, to a file",
            Case::OpenFile => "open, to a file",
        }
    }

    fn run(self, tool: &Tool, dir: &Path, tick: f64) -> Run {
        let input = dir.join("input.bin");
        let output = dir.join("output");
        let to_file = matches!(self, Case::SealFile | Case::OpenFile);
        if to_file {
            let _ = fs::remove_file(&output);
            sync();
        }
        let out = to_file.then_some(output.as_path());
        let cmd = match self {
            Case::SealPipe | Case::SealFile => tool.seal(dir, &input, out),
            Case::OpenPipe | Case::OpenFile => tool.open(dir, out),
        };
        let run = timed(cmd, !to_file, tick);
        if to_file {
            let _ = fs::remove_file(&output);
        }
        run
    }
}

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        println!("skipped: run with `cargo bench -p doormat-cli --bench age`");
        return;
    }
    if !on_path("age") || !on_path("age-keygen") {
        println!("skipped: `age` and `age-keygen` are not on PATH (Debian: `apt-get install age`)");
        return;
    }
    let mib = env_number("DOORMAT_BENCH_MIB", 1024);
    let reps = env_number("DOORMAT_BENCH_REPS", 5).max(1) as usize;
    let tick = Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse::<f64>().ok())
        .unwrap_or(100.0);
    let age_version = String::from_utf8_lossy(&run_ok(Command::new("age").arg("--version")))
        .trim()
        .to_string();

    let scratch = tempfile::Builder::new()
        .prefix("doormat-bench-age-")
        .tempdir_in(
            std::env::var_os("DOORMAT_BENCH_DIR").map_or_else(std::env::temp_dir, PathBuf::from),
        )
        .expect("a scratch directory");
    let dir = scratch.path();
    println!(
        "doormat CLI against age {age_version}: {mib} MiB of random bytes in {}, {reps} rounds",
        dir.display()
    );

    // Keys and the input, untimed.
    run_ok(
        Command::new("age-keygen")
            .args(["-o", "age.key"])
            .current_dir(dir)
            .stderr(Stdio::null()),
    );
    let age_public = run_ok(
        Command::new("age-keygen")
            .args(["-y", "age.key"])
            .current_dir(dir),
    );
    fs::write(dir.join("age.pub"), age_public).expect("age.pub");
    for who in ["alice", "bob"] {
        let public = run_ok(
            Command::new(DOORMAT)
                .args(["keygen", "-o", &format!("{who}.key")])
                .current_dir(dir),
        );
        fs::write(dir.join(format!("{who}.pub")), public).expect("a public key");
    }
    write_noise(&dir.join("input.bin"), mib << 20);
    let tools = Tool::all();
    for tool in &tools {
        let sealed = tool.sealed(dir);
        let input = dir.join("input.bin");
        run_ok(tool.seal(dir, &input, Some(&sealed)).stdout(Stdio::null()));
    }
    sync();

    let bytes = (mib << 20) as f64;
    let gib = |seconds: f64| bytes / seconds / f64::from(1u32 << 30);
    println!(
        "\n{:<16} {:<28} {:>9} {:>10} {:>9} {:>8} {:>9}",
        "case", "tool", "wall s", "GiB/s", "CPU s", "x age", "CPU x age"
    );
    for case in [
        Case::SealPipe,
        Case::OpenPipe,
        Case::SealFile,
        Case::OpenFile,
    ] {
        // One untimed warm-up of each, then interleaved rounds.
        for tool in &tools {
            case.run(tool, dir, tick);
        }
        let mut runs: Vec<Vec<Run>> = vec![Vec::new(); tools.len()];
        for round in 0..reps {
            for k in 0..tools.len() {
                // Rotated each round, and backwards every other round, so
                // that no tool always follows the same one: a run to a file
                // after age's (which does not sync) paid for its pages, on
                // this machine, up to twice its time.
                let k = if round % 2 == 1 {
                    tools.len() - 1 - k
                } else {
                    k
                };
                let i = (k + round) % tools.len();
                runs[i].push(case.run(&tools[i], dir, tick));
            }
        }
        let wall: Vec<f64> = runs
            .iter()
            .map(|r| median(r.iter().map(|x| x.wall).collect()))
            .collect();
        let cpu: Vec<f64> = runs
            .iter()
            .map(|r| median(r.iter().map(|x| x.cpu).collect()))
            .collect();
        for (i, tool) in tools.iter().enumerate() {
            println!(
                "{:<16} {:<28} {:>9.3} {:>10.2} {:>9.2} {:>8.2} {:>9.2}",
                case.name(),
                tool.name(),
                wall[i],
                gib(wall[i]),
                cpu[i],
                wall[0] / wall[i],
                cpu[i] / cpu[0]
            );
        }
    }
    println!(
        "\n`x age`: age's median wall time over doormat's (above 1: doormat is faster). \
         `CPU x age`: doormat's median CPU time over age's (below 1: doormat uses less)."
    );
}
