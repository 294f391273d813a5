//! A small WebDriver client over the tests' HTTP client: enough of the W3C
//! protocol to start Debian's headless Chromium through chromedriver, open
//! tabs, find elements, type, click, read text and take screenshots.

use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::{json, Value};

use crate::common::request;

/// The key under which WebDriver names an element.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// Where the browser and its driver are, or why the test cannot run.
pub fn find_browser() -> Result<(PathBuf, PathBuf), String> {
    let find = |names: &[&str]| {
        let path = std::env::var_os("PATH").unwrap_or_default();
        names.iter().find_map(|name| {
            std::env::split_paths(&path)
                .chain([PathBuf::from("/usr/bin")])
                .map(|dir| dir.join(name))
                .find(|p| p.is_file())
        })
    };
    let browser = find(&["chromium", "chromium-browser"]).ok_or_else(|| {
        "no Chromium found (looked for chromium and chromium-browser on PATH and in /usr/bin); \
         Debian's package: apt-get install chromium chromium-driver"
            .to_owned()
    })?;
    let driver = find(&["chromedriver"]).ok_or_else(|| {
        "no chromedriver found on PATH or in /usr/bin; Debian's package: apt-get install \
         chromium-driver"
            .to_owned()
    })?;
    Ok((browser, driver))
}

/// A chromedriver process and one browser session.
pub struct Driver {
    process: Child,
    addr: SocketAddr,
    session: String,
    _profile: tempfile::TempDir,
}

impl Driver {
    /// Starts chromedriver and a headless Chromium with a fresh profile.
    pub fn start(browser: &Path, driver: &Path) -> Result<Driver, String> {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| format!("no free port: {e}"))?
            .port();
        let process = Command::new(driver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", driver.display()))?;
        let profile = tempfile::tempdir().map_err(|e| format!("no profile folder: {e}"))?;
        let mut d = Driver {
            process,
            addr: SocketAddr::from(([127, 0, 0, 1], port)),
            session: String::new(),
            _profile: profile,
        };
        let started = Instant::now();
        while std::net::TcpStream::connect(d.addr).is_err() {
            if started.elapsed() > Duration::from_secs(20) {
                return Err("chromedriver did not start listening in 20 s".into());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        // The flags this closed network needs, and a fresh profile.
        let args = [
            "--headless".to_owned(),
            "--no-sandbox".to_owned(),
            "--disable-gpu".to_owned(),
            "--disable-quic".to_owned(),
            "--no-first-run".to_owned(),
            "--disable-background-networking".to_owned(),
            "--disable-component-update".to_owned(),
            "--disable-sync".to_owned(),
            "--disable-dev-shm-usage".to_owned(),
            "--window-size=1600,1000".to_owned(),
            format!("--user-data-dir={}", d._profile.path().display()),
        ];
        let capabilities = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {"binary": browser, "args": args},
        }}});
        let created = d.raw("POST", "/session", Some(capabilities))?;
        d.session = created["sessionId"]
            .as_str()
            .ok_or_else(|| format!("no session in {created}"))?
            .to_owned();
        Ok(d)
    }

    /// One WebDriver command: its `value`, or the driver's error.
    fn raw(&self, method: &str, path: &str, body: Option<Value>) -> Result<Value, String> {
        let body = body.map(|b| b.to_string());
        let r = request(self.addr, method, path, &[], body.as_deref());
        let v: Value = serde_json::from_slice(&r.body)
            .map_err(|e| format!("{method} {path}: not JSON ({e}): {}", r.text()))?;
        if r.status != 200 {
            return Err(format!("{method} {path}: {} {}", r.status, v["value"]));
        }
        Ok(v["value"].clone())
    }

    /// A command of this session; panics on the driver's error.
    fn cmd(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let path = format!("/session/{}{path}", self.session);
        self.raw(method, &path, body)
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// Opens a URL in the current tab.
    pub fn go(&self, url: &str) {
        self.cmd("POST", "/url", Some(json!({ "url": url })));
    }

    /// Opens a new tab and switches to it: its handle.
    pub fn new_tab(&self) -> String {
        let v = self.cmd("POST", "/window/new", Some(json!({"type": "tab"})));
        let handle = v["handle"].as_str().expect("a handle").to_owned();
        self.switch(&handle);
        handle
    }

    /// The current tab's handle.
    pub fn tab(&self) -> String {
        self.cmd("GET", "/window", None)
            .as_str()
            .expect("a handle")
            .to_owned()
    }

    /// Switches to a tab.
    pub fn switch(&self, handle: &str) {
        self.cmd("POST", "/window", Some(json!({ "handle": handle })));
    }

    /// Every element a CSS selector finds now.
    pub fn all(&self, css: &str) -> Vec<String> {
        let v = self.cmd(
            "POST",
            "/elements",
            Some(json!({"using": "css selector", "value": css})),
        );
        v.as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|e| e[ELEMENT].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The first element a CSS selector finds, waiting for it to appear.
    pub fn find(&self, css: &str) -> String {
        wait(&format!("an element {css}"), || {
            self.all(css).into_iter().next()
        })
    }

    /// The visible text of an element.
    pub fn text_of(&self, element: &str) -> String {
        self.try_text(element)
            .unwrap_or_else(|e| panic!("the text of {element}: {e}"))
    }

    /// The visible text of an element, or why not (the page may have
    /// replaced it since it was found: then a wait tries again).
    fn try_text(&self, element: &str) -> Result<String, String> {
        let path = format!("/session/{}/element/{element}/text", self.session);
        let v = self.raw("GET", &path, None)?;
        Ok(v.as_str().unwrap_or_default().to_owned())
    }

    /// The visible text of the first element a selector finds.
    pub fn text(&self, css: &str) -> String {
        self.text_of(&self.find(css))
    }

    /// Waits until the first element a selector finds shows `wanted`.
    pub fn wait_text(&self, css: &str, wanted: &str) -> String {
        wait(&format!("{css} to show {wanted:?}"), || {
            let element = self.all(css).into_iter().next()?;
            let text = self.try_text(&element).ok()?;
            text.contains(wanted).then_some(text)
        })
    }

    /// A DOM property of the first element a selector finds.
    pub fn property(&self, css: &str, name: &str) -> Value {
        let element = self.find(css);
        self.cmd("GET", &format!("/element/{element}/property/{name}"), None)
    }

    /// Clicks an element.
    pub fn click(&self, css: &str) {
        let element = self.find(css);
        self.cmd(
            "POST",
            &format!("/element/{element}/click"),
            Some(json!({})),
        );
    }

    /// Types into a field.
    pub fn type_into(&self, css: &str, text: &str) {
        let element = self.find(css);
        self.cmd(
            "POST",
            &format!("/element/{element}/clear"),
            Some(json!({})),
        );
        self.cmd(
            "POST",
            &format!("/element/{element}/value"),
            Some(json!({ "text": text })),
        );
    }

    /// Chooses the option of a `<select>` whose text is `label`.
    pub fn choose(&self, select: &str, label: &str) {
        let option = wait(&format!("the option {label:?} in {select}"), || {
            self.all(&format!("{select} option"))
                .into_iter()
                .find(|o| self.try_text(o).is_ok_and(|t| t == label))
        });
        self.cmd("POST", &format!("/element/{option}/click"), Some(json!({})));
    }

    /// Resizes the browser's window.
    pub fn resize(&self, width: u32, height: u32) {
        let rect = json!({ "width": width, "height": height });
        self.cmd("POST", "/window/rect", Some(rect));
    }

    /// A PNG of the current tab's viewport, saved to `path`.
    pub fn screenshot(&self, path: &Path) -> Vec<u8> {
        let v = self.cmd("GET", "/screenshot", None);
        let png = base64::engine::general_purpose::STANDARD
            .decode(v.as_str().expect("base64"))
            .expect("a PNG in base64");
        std::fs::write(path, &png).expect("the screenshot is saved");
        png
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        if !self.session.is_empty() {
            let _ = self.raw("DELETE", &format!("/session/{}", self.session), None);
        }
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

/// Polls `f` until it gives a value; panics after 15 seconds.
pub fn wait<T>(what: &str, mut f: impl FnMut() -> Option<T>) -> T {
    let started = Instant::now();
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "waited 15 s for {what}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}
