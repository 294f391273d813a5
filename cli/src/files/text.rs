//! What may be written to a terminal.

use std::io::{self, Write};

use crate::failure::Refusal;

/// Passes text through to a terminal and refuses everything else: a
/// control character would garble the screen, or start an escape sequence
/// that drives the terminal. Text here is UTF-8 without control
/// characters other than tab and line feed, and with a carriage return
/// only before a line feed (CRLF): a bare one returns to the start of the
/// line, and what follows overwrites what the line said. Refused:
///
/// * C0 controls (below 0x20, but tab, line feed and CRLF) and DEL;
/// * C1 controls, as the characters U+0080 to U+009F (U+009B is CSI on a
///   terminal that takes 8-bit controls) and as raw bytes 0x80 to 0x9F,
///   which are not UTF-8 on their own;
/// * anything else that is not UTF-8 (binary, or a legacy 8-bit text
///   whose bytes a terminal may read as C1 controls).
///
/// A character or a CRLF split between two writes is held back until the
/// next write completes it, so no byte of a refused sequence is ever
/// written; [`TextOnly::finish`] refuses text that ends inside one.
#[derive(Debug)]
pub struct TextOnly<W> {
    inner: W,
    /// Bytes held back: the start of a character, or a carriage return.
    held: [u8; 4],
    held_len: usize,
    /// Continuation bytes the held character still needs.
    need: u8,
    /// The held character's code point so far.
    code: u32,
    /// The range the next continuation byte must be in (no overlong
    /// forms, no surrogates, nothing above U+10FFFF).
    next: (u8, u8),
    /// Whether the held byte is a carriage return.
    cr: bool,
}

impl<W: Write> TextOnly<W> {
    /// Text to `inner`, a terminal.
    pub fn new(inner: W) -> TextOnly<W> {
        TextOnly {
            inner,
            held: [0; 4],
            held_len: 0,
            need: 0,
            code: 0,
            next: (0x80, 0xbf),
            cr: false,
        }
    }

    fn refusal() -> io::Error {
        Refusal("refusing to write binary data to a terminal: use -o FILE, or pipe it").into_io()
    }

    /// Takes one byte; `false` refuses it. Tracks whether a character or
    /// a CRLF is left incomplete.
    fn step(&mut self, b: u8) -> bool {
        if self.cr {
            self.cr = false;
            return b == b'\n';
        }
        if self.need > 0 {
            if !(self.next.0..=self.next.1).contains(&b) {
                return false;
            }
            self.code = self.code << 6 | u32::from(b & 0x3f);
            self.next = (0x80, 0xbf);
            self.need -= 1;
            return self.need > 0 || !(0x80..=0x9f).contains(&self.code);
        }
        let (need, code, next) = match b {
            b'\t' | b'\n' | 0x20..=0x7e => return true,
            b'\r' => {
                self.cr = true;
                return true;
            }
            0xc2..=0xdf => (1, b & 0x1f, (0x80, 0xbf)),
            0xe0 => (2, b & 0x0f, (0xa0, 0xbf)),
            0xe1..=0xec | 0xee | 0xef => (2, b & 0x0f, (0x80, 0xbf)),
            0xed => (2, b & 0x0f, (0x80, 0x9f)),
            0xf0 => (3, b & 0x07, (0x90, 0xbf)),
            0xf1..=0xf3 => (3, b & 0x07, (0x80, 0xbf)),
            0xf4 => (3, b & 0x07, (0x80, 0x8f)),
            // C0 controls and DEL; raw C1 bytes and other continuation
            // bytes out of place; bytes that never occur in UTF-8.
            _ => return false,
        };
        (self.need, self.code, self.next) = (need, u32::from(code), next);
        true
    }

    /// How many bytes at the end of what was taken belong to an unfinished
    /// character or CRLF: they are held back.
    fn unfinished(&self, taken_since_lead: usize) -> usize {
        if self.cr {
            1
        } else if self.need > 0 {
            taken_since_lead
        } else {
            0
        }
    }

    /// Ends the text: refused if it ends inside a character or after a
    /// bare carriage return.
    ///
    /// # Errors
    ///
    /// The refusal, as an I/O error ([`Refusal`]).
    pub fn finish(&mut self) -> io::Result<()> {
        if self.cr || self.need > 0 {
            return Err(TextOnly::<W>::refusal());
        }
        self.inner.flush()
    }
}

impl<W: Write> Write for TextOnly<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        // Check everything before writing anything; count the bytes of
        // the last character (or CR) begun, held ones included.
        let mut since_lead = self.held_len;
        for &b in buf {
            let starts = self.need == 0 && !self.cr;
            if !self.step(b) {
                return Err(TextOnly::<W>::refusal());
            }
            since_lead = if starts { 1 } else { since_lead + 1 };
        }
        let tail = self.unfinished(since_lead);
        if tail > buf.len() {
            // Still the held character: hold this too.
            self.held[self.held_len..tail].copy_from_slice(buf);
            self.held_len = tail;
            return Ok(buf.len());
        }
        let keep = buf.len() - tail;
        if self.held_len > 0 {
            self.inner.write_all(&self.held[..self.held_len])?;
        }
        self.inner.write_all(&buf[..keep])?;
        self.held[..tail].copy_from_slice(&buf[keep..]);
        self.held_len = tail;
        Ok(buf.len())
    }

    /// Flushes what was written; a held character stays held.
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_passes_and_binary_is_refused() {
        let mut out = TextOnly::new(Vec::new());
        out.write_all(b"hello\tworld\r\n").unwrap();
        out.finish().unwrap();
        assert_eq!(out.inner, b"hello\tworld\r\n");
        for bad in [&b"doormat\x01"[..], b"\x1b[2J", b"a\0b", b"\x7f"] {
            let e = TextOnly::new(Vec::new()).write_all(bad).unwrap_err();
            assert_eq!(e.kind(), io::ErrorKind::InvalidInput);
        }
    }

    /// Writes `pieces` in turn and finishes; whether everything was
    /// accepted. What was accepted is written whole, in order.
    fn accepted(pieces: &[&[u8]]) -> bool {
        let mut out = TextOnly::new(Vec::new());
        let ok = pieces.iter().all(|piece| out.write_all(piece).is_ok()) && out.finish().is_ok();
        if ok {
            assert_eq!(out.inner, pieces.concat());
        }
        ok
    }

    #[test]
    fn c1_controls_and_bare_carriage_returns_are_refused() {
        // C1 controls: 0x9b is CSI to a terminal that takes 8-bit
        // controls, raw or as the character U+009B; U+0085 is NEL.
        for bad in [
            &b"red \x9b31m"[..],
            b"\x85",
            "red \u{9b}31m".as_bytes(),
            "next\u{85}line".as_bytes(),
            "\u{80}".as_bytes(),
            "\u{9f}".as_bytes(),
        ] {
            assert!(!accepted(&[bad]), "{bad:?}");
        }
        // A carriage return not followed by a line feed overwrites the line.
        assert!(!accepted(&[b"all is well\rno it is not\n"]));
        // Split across writes.
        assert!(!accepted(&[b"red \xc2", b"\x9b31m"]));
        assert!(!accepted(&[b"overwrite\r", b"me"]));
        // At the very end, or cut inside a character.
        assert!(!accepted(&[b"all done\r"]));
        assert!(!accepted(&["caf\u{e9}".as_bytes().split_last().unwrap().1]));
        // Nothing of a refused sequence is written, even its first byte.
        let mut out = TextOnly::new(Vec::new());
        out.write_all(b"ok \xc2").unwrap();
        assert!(out.write_all(b"\x9b").is_err());
        assert_eq!(out.inner, b"ok ");
        // What is text passes, split anywhere.
        assert!(accepted(&[b"dos\r", b"\nline\r\n"]));
        assert!(accepted(&["caf\u{e9} \u{a0}\u{2014} \u{1f600}".as_bytes()]));
        let text = "na\u{ef}ve \u{1f600}\r\n".as_bytes();
        for at in 0..text.len() {
            assert!(accepted(&[&text[..at], &text[at..]]), "split at {at}");
        }
    }
}
