//! Armor: a strict, canonical text wrapping of envelopes that survives being
//! pasted into a chat or an e-mail (the `armor` feature; specified in
//! `docs/FORMAT.md`, "Armor"). age ships its armor in its library too.
//!
//! ```
//! use std::io::{BufReader, Read, Write};
//! use doormat::armor::{self, ArmorReader, ArmorWriter};
//! use doormat::{e2e, keys::Identity};
//!
//! let (alice, bob) = (Identity::generate(), Identity::generate());
//! let envelope = e2e::seal(&alice, &[bob.public()], b"paste me into a chat")?;
//! let mut writer = ArmorWriter::new(Vec::new())?;
//! writer.write_all(&envelope)?;
//! let text = writer.finish()?;
//! assert!(armor::is_armored(&text));
//! let mut binary = Vec::new();
//! ArmorReader::new(BufReader::new(&text[..])).read_to_end(&mut binary)?;
//! assert_eq!(binary, envelope);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ```text
//! -----BEGIN DOORMAT ENVELOPE-----
//! ZG9vcm1hdAEAAwAAAQAAAABAAAEAAAAAAA…            64 characters a line
//! …ZQ==                                           the last line: 4 to 64
//! -----END DOORMAT ENVELOPE-----
//! ```
//!
//! Base64 with the standard alphabet and padding, exactly 64 characters a line
//! except the last, LF line endings, and exactly one newline after the end
//! line. Every envelope has exactly one armored form, so anything else — a
//! CRLF, a re-wrapped line, a trailing space, a missing padding character — is
//! refused, naming the line, rather than guessed at: a reader that guesses
//! is a parser differential waiting to happen.
//!
//! Both directions stream in constant memory: one line at a time.

use std::fmt;
use std::io::{self, BufRead, Read, Write};

use base64::engine::general_purpose::STANDARD;
use base64::Engine;

/// The first line of every armored envelope.
pub const BEGIN: &str = "-----BEGIN DOORMAT ENVELOPE-----";
/// The last line of every armored envelope.
pub const END: &str = "-----END DOORMAT ENVELOPE-----";
/// Base64 characters in every line but the last.
pub const LINE_LEN: usize = 64;
/// Bytes encoded by one full line.
const LINE_BYTES: usize = LINE_LEN / 4 * 3;

/// Why an armored text was refused, and on which line (counted from 1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArmorError {
    /// The line that is not canonical.
    pub line: usize,
    /// What is wrong with it.
    pub reason: &'static str,
}

impl fmt::Display for ArmorError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "armor line {} is not canonical: {}",
            self.line, self.reason
        )
    }
}

impl std::error::Error for ArmorError {}

impl ArmorError {
    /// As an I/O error, so it can travel through a reader into the library
    /// and be recognised on the way out ([`ArmorError::find`]).
    fn into_io(self) -> io::Error {
        io::Error::new(io::ErrorKind::InvalidData, self)
    }

    /// The armor error inside an I/O error, if that is what it is.
    pub fn find(e: &io::Error) -> Option<&ArmorError> {
        e.get_ref().and_then(|inner| inner.downcast_ref())
    }
}

/// How many bytes [`is_armored`] wants to see.
pub const PEEK_LEN: usize = 64;

/// Whether input that starts with `prefix` is meant as armor rather than
/// binary. Leading blanks or a byte-order mark still count as armor, so that
/// the reader can refuse them by line instead of calling the input "not an
/// envelope".
pub fn is_armored(prefix: &[u8]) -> bool {
    let text = prefix.strip_prefix(b"\xef\xbb\xbf").unwrap_or(prefix);
    text.trim_ascii_start().starts_with(b"-----BEGIN")
}

/// Wraps everything written to it as armor. Call [`ArmorWriter::finish`] to
/// write the last line and the end line; dropping it without does not.
#[derive(Debug)]
pub struct ArmorWriter<W: Write> {
    inner: W,
    pending: [u8; LINE_BYTES],
    len: usize,
}

impl<W: Write> ArmorWriter<W> {
    /// Writes the begin line at once.
    ///
    /// # Errors
    ///
    /// Any error of `inner`.
    pub fn new(mut inner: W) -> io::Result<ArmorWriter<W>> {
        writeln!(inner, "{BEGIN}")?;
        Ok(ArmorWriter {
            inner,
            pending: [0; LINE_BYTES],
            len: 0,
        })
    }

    fn write_line(&mut self) -> io::Result<()> {
        let mut line = [0u8; LINE_LEN + 1];
        let n = STANDARD
            .encode_slice(&self.pending[..self.len], &mut line)
            .expect("48 bytes fit 64 characters");
        line[n] = b'\n';
        self.len = 0;
        self.inner.write_all(&line[..=n])
    }

    /// Writes the last (possibly short) line and the end line, and returns
    /// the inner writer, flushed.
    ///
    /// # Errors
    ///
    /// Any error of the inner writer.
    pub fn finish(mut self) -> io::Result<W> {
        if self.len > 0 {
            self.write_line()?;
        }
        writeln!(self.inner, "{END}")?;
        self.inner.flush()?;
        Ok(self.inner)
    }
}

impl<W: Write> Write for ArmorWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = buf.len().min(LINE_BYTES - self.len);
        self.pending[self.len..self.len + n].copy_from_slice(&buf[..n]);
        self.len += n;
        if self.len == LINE_BYTES {
            self.write_line()?;
        }
        Ok(n)
    }

    /// Flushes the inner writer; a partial line stays pending until
    /// [`ArmorWriter::finish`], or the armor would not be canonical.
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Where a reader is in the armor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Before the begin line.
    Begin,
    /// Between full data lines.
    Data,
    /// After a short line: only the end line may follow.
    MustEnd,
    /// After the end line and the end of the input.
    Done,
}

/// Reads the bytes an armored text encodes, refusing anything that is not
/// the canonical armor of those bytes.
#[derive(Debug)]
pub struct ArmorReader<R: BufRead> {
    inner: R,
    state: State,
    line_no: usize,
    line: Vec<u8>,
    out: [u8; LINE_BYTES],
    out_pos: usize,
    out_len: usize,
}

impl<R: BufRead> ArmorReader<R> {
    /// A reader of the armored text in `inner`.
    pub fn new(inner: R) -> ArmorReader<R> {
        ArmorReader {
            inner,
            state: State::Begin,
            line_no: 0,
            line: Vec::with_capacity(LINE_LEN + 2),
            out: [0; LINE_BYTES],
            out_pos: 0,
            out_len: 0,
        }
    }

    fn error(&self, line: usize, reason: &'static str) -> io::Error {
        ArmorError { line, reason }.into_io()
    }

    /// Reads the next line into `self.line`, without its newline: `None`
    /// at the end of the input, else whether the line ended in `\n`. Holds
    /// at most one line (and one character more) in memory.
    fn next_line(&mut self) -> io::Result<Option<bool>> {
        self.line.clear();
        loop {
            let available = match self.inner.fill_buf() {
                Ok(b) => b,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if available.is_empty() {
                if self.line.is_empty() {
                    return Ok(None);
                }
                self.line_no += 1;
                return self.checked_line(false);
            }
            let (take, newline) = match available.iter().position(|&b| b == b'\n') {
                Some(i) => (i, true),
                None => (available.len(), false),
            };
            if self.line.len() + take > LINE_LEN + 1 {
                return Err(self.error(self.line_no + 1, "longer than 64 characters"));
            }
            self.line.extend_from_slice(&available[..take]);
            self.inner.consume(take + usize::from(newline));
            if newline {
                self.line_no += 1;
                return self.checked_line(true);
            }
        }
    }

    /// No canonical line has a carriage return: say so whatever the line.
    fn checked_line(&self, newline: bool) -> io::Result<Option<bool>> {
        if self.line.contains(&b'\r') {
            return Err(self.error(self.line_no, "carriage return (CRLF line ending)"));
        }
        Ok(Some(newline))
    }

    /// Reads lines until one decodes to data, or the armor ends.
    fn advance(&mut self) -> io::Result<()> {
        match self.state {
            State::Begin => {
                let got = self.next_line()?;
                if got.is_none() || self.line != BEGIN.as_bytes() {
                    return Err(self.error(1, "expected `-----BEGIN DOORMAT ENVELOPE-----`"));
                }
                if got == Some(false) {
                    return Err(self.error(1, "missing newline"));
                }
                self.state = State::Data;
            }
            State::Data | State::MustEnd => {
                let previous = self.line_no;
                let got = self.next_line()?;
                let Some(newline) = got else {
                    return Err(self.error(previous + 1, "the end line is missing"));
                };
                if self.line == END.as_bytes() {
                    if !newline {
                        return Err(self.error(self.line_no, "missing newline after the end line"));
                    }
                    if !self.inner.fill_buf()?.is_empty() {
                        return Err(self.error(self.line_no + 1, "text after the end line"));
                    }
                    self.state = State::Done;
                    return Ok(());
                }
                if self.state == State::MustEnd {
                    return Err(self.error(
                        previous,
                        "a line shorter than 64 characters must be the last",
                    ));
                }
                if !newline {
                    return Err(
                        self.error(self.line_no, "the text ends inside this line (cut short?)")
                    );
                }
                self.decode_line()?;
            }
            State::Done => {}
        }
        Ok(())
    }

    /// Decodes the data line in `self.line` into `self.out`.
    fn decode_line(&mut self) -> io::Result<()> {
        let line = &self.line;
        let reason = if line.is_empty() {
            Some("empty line")
        } else if line.last().is_some_and(|c| c.is_ascii_whitespace()) {
            Some("trailing whitespace")
        } else if line.len() > LINE_LEN {
            Some("longer than 64 characters")
        } else if !line.len().is_multiple_of(4) {
            Some("length is not a multiple of 4")
        } else if !line
            .iter()
            .all(|&c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'/' | b'='))
        {
            Some("a character outside the standard base64 alphabet")
        } else {
            None
        };
        if let Some(reason) = reason {
            return Err(self.error(self.line_no, reason));
        }
        match STANDARD.decode_slice(line, &mut self.out) {
            Ok(n) => {
                self.out_pos = 0;
                self.out_len = n;
            }
            Err(_) => return Err(self.error(self.line_no, "not canonical base64")),
        }
        if line.len() < LINE_LEN || line.ends_with(b"=") {
            self.state = State::MustEnd;
        }
        Ok(())
    }
}

impl<R: BufRead> Read for ArmorReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.out_pos == self.out_len {
            if self.state == State::Done || buf.is_empty() {
                return Ok(0);
            }
            self.advance()?;
        }
        let n = buf.len().min(self.out_len - self.out_pos);
        buf[..n].copy_from_slice(&self.out[self.out_pos..self.out_pos + n]);
        self.out_pos += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn armor(data: &[u8]) -> Vec<u8> {
        let mut w = ArmorWriter::new(Vec::new()).unwrap();
        // Odd write sizes, to cross line boundaries.
        for piece in data.chunks(7) {
            w.write_all(piece).unwrap();
        }
        w.finish().unwrap()
    }

    fn dearmor(text: &[u8]) -> Result<Vec<u8>, ArmorError> {
        let mut out = Vec::new();
        ArmorReader::new(text)
            .read_to_end(&mut out)
            .map(|_| out)
            .map_err(|e| ArmorError::find(&e).expect("an armor error").clone())
    }

    fn sample(len: usize) -> Vec<u8> {
        (0..len).map(|i| (i * 31 + 7) as u8).collect()
    }

    #[test]
    fn round_trips_every_length_around_line_boundaries() {
        for len in [0, 1, 2, 3, 4, 47, 48, 49, 95, 96, 97, 1000, 4096] {
            let data = sample(len);
            let text = armor(&data);
            assert_eq!(dearmor(&text).unwrap(), data, "length {len}");
        }
    }

    #[test]
    fn armor_is_canonical_text() {
        let text = String::from_utf8(armor(&sample(100))).unwrap();
        let lines: Vec<&str> = text.split_terminator('\n').collect();
        assert_eq!(lines.first(), Some(&BEGIN));
        assert_eq!(lines.last(), Some(&END));
        assert!(text.ends_with("-----\n") && !text.ends_with("\n\n"));
        assert_eq!(lines[1].len(), LINE_LEN);
        assert_eq!(lines[2].len(), LINE_LEN);
        // 100 bytes = 2 full lines of 48 bytes + 4 bytes (8 characters).
        assert_eq!(lines[3].len(), 8);
        assert_eq!(lines.len(), 5);
    }

    #[test]
    fn an_exact_multiple_of_a_line_ends_with_a_full_line() {
        let text = String::from_utf8(armor(&sample(96))).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 4);
        assert_eq!(lines[2].len(), LINE_LEN);
    }

    /// The canonical armor of 100 sample bytes with `f` applied to its text.
    fn mangled(f: impl FnOnce(String) -> String) -> Vec<u8> {
        f(String::from_utf8(armor(&sample(100))).unwrap()).into_bytes()
    }

    fn refused(text: Vec<u8>, line: usize, reason: &str) {
        let err = dearmor(&text).expect_err("non-canonical armor must be refused");
        assert_eq!(err.line, line, "{err}");
        assert!(err.reason.contains(reason), "{err}");
    }

    /// The canonical armor of 100 sample bytes with line `i` (0 = begin)
    /// replaced by `f(line)`.
    fn with_line(i: usize, f: impl FnOnce(&str) -> String) -> Vec<u8> {
        let text = String::from_utf8(armor(&sample(100))).unwrap();
        let mut lines: Vec<String> = text.lines().map(String::from).collect();
        lines[i] = f(&lines[i]);
        (lines.join("\n") + "\n").into_bytes()
    }

    #[test]
    fn crlf_is_refused() {
        refused(mangled(|t| t.replace('\n', "\r\n")), 1, "carriage return");
        refused(with_line(2, |l| format!("{l}\r")), 3, "carriage return");
        refused(with_line(4, |l| format!("{l}\r")), 5, "carriage return");
    }

    #[test]
    fn rewrapped_lines_are_refused() {
        let data = sample(200);
        let b64 = STANDARD.encode(&data);
        let wrap = |width: usize| {
            let mut t = format!("{BEGIN}\n");
            for piece in b64.as_bytes().chunks(width) {
                t.push_str(std::str::from_utf8(piece).unwrap());
                t.push('\n');
            }
            t.push_str(END);
            t.push('\n');
            t.into_bytes()
        };
        assert_eq!(dearmor(&wrap(64)).unwrap(), data);
        refused(wrap(76), 2, "longer than 64");
        refused(wrap(60), 2, "must be the last");
        refused(wrap(b64.len()), 2, "longer than 64");
    }

    #[test]
    fn missing_or_extra_lines_are_refused() {
        refused(
            mangled(|t| t.replace(&format!("{END}\n"), "")),
            5,
            "end line",
        );
        refused(mangled(|t| t + "\n"), 6, "after the end line");
        refused(mangled(|t| t + "hello\n"), 6, "after the end line");
        refused(mangled(|t| t + &"x".repeat(500)), 6, "after the end line");
        // Cut inside the last data line (line 4: 8 characters and a newline).
        let cut = mangled(|t| t.replace(&format!("{END}\n"), ""));
        refused(cut[..cut.len() - 3].to_vec(), 4, "cut short");
        refused(mangled(|t| t.trim_end().to_string()), 5, "missing newline");
        refused(
            mangled(|t| t.replace("BEGIN DOORMAT", "BEGIN AGE")),
            1,
            "BEGIN",
        );
        refused(mangled(|t| format!(" {t}")), 1, "BEGIN");
        refused(mangled(|t| t.replacen('\n', "\n\n", 1)), 2, "empty line");
        refused(Vec::new(), 1, "BEGIN");
    }

    #[test]
    fn non_canonical_base64_is_refused() {
        // 100 bytes: the last data line (line 4) encodes 4 bytes in 8
        // characters, without padding.
        assert_eq!(with_line(3, |l| l.to_string()), armor(&sample(100)));
        refused(with_line(3, |l| format!("-{}", &l[1..])), 4, "alphabet");
        refused(with_line(3, |l| format!("_{}", &l[1..])), 4, "alphabet");
        refused(with_line(3, |l| l[..6].to_string()), 4, "multiple of 4");
        refused(
            with_line(3, |l| format!("{} ", &l[..7])),
            4,
            "trailing whitespace",
        );
        refused(
            with_line(3, |l| format!("{} ", l)),
            4,
            "trailing whitespace",
        );
        refused(with_line(1, |l| format!("{l}\t")), 2, "trailing whitespace");
        refused(with_line(3, |l| format!("{}-", &l[..7])), 4, "alphabet");
        refused(
            with_line(1, |l| format!("{}={}", &l[..10], &l[11..])),
            2,
            "not canonical",
        );

        // One byte encodes as `xx==`: dropping the padding or setting the
        // unused bits must fail.
        let one = String::from_utf8(armor(b"A")).unwrap();
        assert!(one.contains("\nQQ==\n"));
        refused(one.replace("QQ==", "QQ").into_bytes(), 2, "multiple of 4");
        refused(one.replace("QQ==", "QR==").into_bytes(), 2, "not canonical");
        refused(one.replace("QQ==", "Q===").into_bytes(), 2, "not canonical");
    }

    #[test]
    fn padding_ends_the_data() {
        let one = String::from_utf8(armor(b"A")).unwrap();
        let twice = one.replace("QQ==\n", "QQ==\nQQ==\n");
        refused(twice.into_bytes(), 2, "must be the last");
    }

    #[test]
    fn detection_looks_at_the_begin_marker_only() {
        assert!(is_armored(armor(b"x").as_slice()));
        assert!(is_armored(b"\n  -----BEGIN"));
        assert!(is_armored(b"\xef\xbb\xbf-----BEGIN"));
        assert!(!is_armored(b"doormat\x01"));
        assert!(!is_armored(b"hello -----BEGIN"));
    }
}
