//! What the classroom's tests share: a server on 127.0.0.1:0 in a thread
//! of its own, and a small blocking HTTP/1.1 client (one connection a
//! request, as a browser's first visit), so that the tests speak to the
//! server over real sockets and nothing in them shares its code.

#![allow(dead_code)] // Each test binary uses its own part of this.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::thread::JoinHandle;
use std::time::Duration;

use doormat_classroom::{serve, Classroom, Limits, SESSION_HEADER, TEACHER_HEADER};
use serde_json::{json, Value};
use tokio::sync::oneshot;

/// A running classroom server.
pub struct Server {
    pub addr: SocketAddr,
    pub token: String,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<std::io::Result<()>>>,
}

impl Server {
    /// Starts a server with these limits on a free loopback port.
    pub fn start(limits: Limits) -> Server {
        let classroom = Classroom::new(limits).expect("a classroom");
        let token = classroom.teacher_token().to_owned();
        let (stop, stopped) = oneshot::channel::<()>();
        let (ready, addr) = std::sync::mpsc::channel();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()?;
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
                ready.send(listener.local_addr()?).expect("the test waits");
                serve(listener, classroom, async {
                    let _ = stopped.await;
                })
                .await
            })
        });
        let addr = addr.recv().expect("the server's address");
        Server {
            addr,
            token,
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    /// Stops the server and waits until it has returned.
    pub fn stop(mut self) -> std::io::Result<()> {
        self.stop.take().map(|s| s.send(()));
        self.thread
            .take()
            .expect("running")
            .join()
            .expect("no panic")
    }

    /// A request without credentials.
    pub fn request(&self, method: &str, path: &str, body: Option<&Value>) -> Response {
        request(
            self.addr,
            method,
            path,
            &[],
            body.map(Value::to_string).as_deref(),
        )
    }

    /// A teacher's request.
    pub fn teacher(&self, method: &str, path: &str, body: Option<&Value>) -> Response {
        request_as(self.addr, (TEACHER_HEADER, &self.token), method, path, body)
    }

    /// A teacher's POST that must succeed.
    pub fn act(&self, path: &str, body: Value) {
        let r = self.teacher("POST", path, Some(&body));
        assert_eq!(r.status, 200, "{path} {body}: {}", r.text());
    }

    /// The teacher's view of the room.
    pub fn room(&self) -> Value {
        let r = self.teacher("GET", "/api/room", None);
        assert_eq!(r.status, 200, "{}", r.text());
        r.json()
    }

    /// Joins a phone, which must be let in.
    pub fn join(&self, name: &str) -> Phone {
        let r = self.request("POST", "/api/join", Some(&json!({ "name": name })));
        assert_eq!(r.status, 201, "join {name}: {}", r.text());
        let v = r.json();
        Phone {
            addr: self.addr,
            id: v["id"].as_u64().expect("an id") as usize,
            session: v["session"].as_str().expect("a session").to_owned(),
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// A student's phone, as the page would use it.
#[derive(Clone, Debug)]
pub struct Phone {
    pub addr: SocketAddr,
    pub id: usize,
    pub session: String,
}

impl Phone {
    /// A request with this phone's session.
    pub fn call(&self, method: &str, path: &str, body: Option<&Value>) -> Response {
        request_as(
            self.addr,
            (SESSION_HEADER, &self.session),
            method,
            path,
            body,
        )
    }

    /// The phone's view.
    pub fn view(&self) -> Value {
        let r = self.call("GET", "/api/me", None);
        assert_eq!(r.status, 200, "{}", r.text());
        r.json()
    }

    /// Sends a message, which must go: its number.
    pub fn send(&self, to: usize, text: &str) -> usize {
        self.send_with(to, text, false)
    }

    /// Sends a message, superencrypted or not, which must go.
    pub fn send_with(&self, to: usize, text: &str, superencrypt: bool) -> usize {
        let body = json!({ "to": to, "text": text, "superencrypt": superencrypt });
        let r = self.call("POST", "/api/send", Some(&body));
        assert_eq!(r.status, 201, "send: {}", r.text());
        r.json()["id"].as_u64().expect("an id") as usize
    }

    /// Sends one of the room's pictures, which must go.
    pub fn send_picture(&self, to: usize, picture: usize) -> usize {
        let body = json!({ "to": to, "picture": picture });
        let r = self.call("POST", "/api/send", Some(&body));
        assert_eq!(r.status, 201, "send: {}", r.text());
        r.json()["id"].as_u64().expect("an id") as usize
    }

    /// Answers a step: whether the answer was right.
    pub fn answer(&self, step: u8, answer: &str) -> bool {
        let body = json!({ "step": step, "answer": answer });
        let r = self.call("POST", "/api/answer", Some(&body));
        assert_eq!(r.status, 200, "answer: {}", r.text());
        r.json()["correct"].as_bool().expect("a verdict")
    }
}

/// A request with one credential header and a JSON body.
fn request_as(
    addr: SocketAddr,
    credential: (&str, &str),
    method: &str,
    path: &str,
    body: Option<&Value>,
) -> Response {
    let body = body.map(Value::to_string);
    request(addr, method, path, &[credential], body.as_deref())
}

/// A response.
#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    /// A header's value (names are case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }

    /// The refusal's sentence.
    pub fn error(&self) -> String {
        self.json()["error"].as_str().expect("an error").to_owned()
    }
}

/// Writes a request; `Connection: close`, so the response ends the stream.
fn write_request(
    stream: &mut TcpStream,
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&str>,
) {
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    if let Some(body) = body {
        head.push_str("Content-Type: application/json\r\n");
        head.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).expect("write");
    if let Some(body) = body {
        stream.write_all(body.as_bytes()).expect("write");
    }
}

/// Reads the status line and headers.
fn read_head(reader: &mut impl BufRead) -> (u16, Vec<(String, String)>) {
    let mut line = String::new();
    reader.read_line(&mut line).expect("a status line");
    let status = line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("a status line: {line:?}"));
    let mut headers = Vec::new();
    loop {
        line.clear();
        reader.read_line(&mut line).expect("a header line");
        let l = line.trim_end();
        if l.is_empty() {
            return (status, headers);
        }
        let (name, value) = l.split_once(':').expect("name: value");
        headers.push((name.trim().to_owned(), value.trim().to_owned()));
    }
}

/// One request, one connection.
pub fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&str>,
) -> Response {
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .expect("timeout");
    write_request(&mut stream, addr, method, path, headers, body);
    let mut reader = BufReader::new(stream);
    let (status, headers) = read_head(&mut reader);
    let header = |name: &str| {
        headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    };
    let mut body = Vec::new();
    if let Some(len) = header("content-length") {
        // Some servers (chromedriver) keep the connection open.
        body.resize(len.parse().expect("a length"), 0);
        reader.read_exact(&mut body).expect("the body");
    } else if header("transfer-encoding").is_some_and(|v| v.contains("chunked")) {
        body = dechunk(&mut reader);
    } else {
        reader.read_to_end(&mut body).expect("the body");
    }
    Response {
        status,
        headers,
        body,
    }
}

/// Reads a chunked body.
fn dechunk(reader: &mut impl BufRead) -> Vec<u8> {
    let mut body = Vec::new();
    let mut line = String::new();
    loop {
        line.clear();
        reader.read_line(&mut line).expect("a chunk size");
        let size = line.split(';').next().unwrap_or("").trim();
        let size = usize::from_str_radix(size, 16).expect("a chunk size");
        let start = body.len();
        body.resize(start + size, 0);
        reader.read_exact(&mut body[start..]).expect("a chunk");
        line.clear();
        reader.read_line(&mut line).expect("the chunk's end");
        if size == 0 {
            return body;
        }
    }
}

/// A live-update stream (`GET /events`), read line by line.
pub struct Events {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    reader: BufReader<TcpStream>,
}

impl Events {
    pub fn open(addr: SocketAddr) -> Events {
        let mut stream = TcpStream::connect(addr).expect("connect");
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .expect("timeout");
        write_request(&mut stream, addr, "GET", "/events", &[], None);
        let mut reader = BufReader::new(stream);
        let (status, headers) = read_head(&mut reader);
        Events {
            status,
            headers,
            reader,
        }
    }

    /// The version the next `changed` event carries; `None` if the stream
    /// ended.
    pub fn next_version(&mut self) -> Option<u64> {
        let mut line = String::new();
        loop {
            line.clear();
            if self.reader.read_line(&mut line).ok()? == 0 {
                return None;
            }
            // The body is chunked: chunk sizes and event lines interleave.
            if let Some(data) = line.trim_end().strip_prefix("data: ") {
                return data.parse().ok();
            }
        }
    }
}

impl Events {
    /// Whether the stream ends (the server closes it) before the read
    /// timeout, skipping any events still on their way.
    pub fn ends(&mut self) -> bool {
        let mut line = String::new();
        loop {
            line.clear();
            match self.reader.read_line(&mut line) {
                Ok(0) => return true,
                Ok(_) => continue,
                Err(_) => return false,
            }
        }
    }
}
