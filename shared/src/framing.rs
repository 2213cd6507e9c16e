//! Newline-delimited framing with a hard line limit that never ends the stream.
//!
//! `tokio_util::codec::LinesCodec` turns an oversize line or bad UTF-8 into a
//! stream error, after which `FramedRead` yields nothing more: one bad line
//! would close the connection. The socket API promises that a bad line gets
//! an error reply and the connection survives, so bad frames are *items* here.

use bytes::{Buf, BytesMut};
use tokio_util::codec::Decoder;

/// One frame read from the peer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame {
    /// A complete line (without the newline), valid UTF-8.
    Line(String),
    /// A line longer than the limit; its bytes were discarded.
    TooLong,
    /// A line that was not valid UTF-8; its bytes were discarded.
    InvalidUtf8,
}

/// Decoder for [`Frame`]s with a maximum line length in bytes.
#[derive(Debug)]
pub struct LineFrames {
    max_len: usize,
    /// Set while skipping the rest of an oversize line.
    discarding: bool,
    /// Bytes of the buffer already searched for a newline.
    searched: usize,
}

impl LineFrames {
    pub fn new(max_len: usize) -> Self {
        Self { max_len, discarding: false, searched: 0 }
    }
}

impl Decoder for LineFrames {
    type Item = Frame;
    type Error = std::io::Error;

    fn decode(&mut self, buf: &mut BytesMut) -> Result<Option<Frame>, Self::Error> {
        loop {
            let newline = buf[self.searched..].iter().position(|b| *b == b'\n').map(|i| i + self.searched);
            match (self.discarding, newline) {
                (true, Some(i)) => {
                    buf.advance(i + 1);
                    self.discarding = false;
                    self.searched = 0;
                    // The TooLong item was already emitted when discarding began.
                    continue;
                }
                (true, None) => {
                    buf.clear();
                    self.searched = 0;
                    return Ok(None);
                }
                (false, Some(i)) => {
                    self.searched = 0;
                    let mut line = buf.split_to(i + 1);
                    line.truncate(i);
                    if line.last() == Some(&b'\r') {
                        line.truncate(i - 1);
                    }
                    if line.len() > self.max_len {
                        return Ok(Some(Frame::TooLong));
                    }
                    return Ok(Some(match String::from_utf8(line.to_vec()) {
                        Ok(s) => Frame::Line(s),
                        Err(_) => Frame::InvalidUtf8,
                    }));
                }
                (false, None) => {
                    // One byte of slack: a line of exactly `max_len` bytes may be followed by
                    // the `\r` of its `\r\n` before the `\n` arrives, and must not be called
                    // too long only because a read ended between the two.
                    if buf.len() > self.max_len.saturating_add(1) {
                        buf.clear();
                        self.searched = 0;
                        self.discarding = true;
                        return Ok(Some(Frame::TooLong));
                    }
                    self.searched = buf.len();
                    return Ok(None);
                }
            }
        }
    }

    fn decode_eof(&mut self, buf: &mut BytesMut) -> Result<Option<Frame>, Self::Error> {
        if let Some(frame) = self.decode(buf)? {
            return Ok(Some(frame));
        }
        // A final line without a newline still counts, unless we were skipping.
        if buf.is_empty() || self.discarding {
            buf.clear();
            return Ok(None);
        }
        buf.extend_from_slice(b"\n");
        self.decode(buf)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn decode_all(max: usize, input: &[u8]) -> Vec<Frame> {
        let mut codec = LineFrames::new(max);
        let mut buf = BytesMut::from(input);
        let mut out = Vec::new();
        while let Some(f) = codec.decode(&mut buf).unwrap() {
            out.push(f);
        }
        while let Some(f) = codec.decode_eof(&mut buf).unwrap() {
            out.push(f);
        }
        out
    }

    #[test]
    fn splits_lines_and_strips_cr() {
        assert_eq!(
            decode_all(100, b"a\r\nbb\nccc"),
            vec![Frame::Line("a".into()), Frame::Line("bb".into()), Frame::Line("ccc".into())]
        );
    }

    #[test]
    fn oversize_line_is_one_item_and_the_next_line_survives() {
        let mut input = vec![b'x'; 50];
        input.extend_from_slice(b"\nok\n");
        assert_eq!(decode_all(10, &input), vec![Frame::TooLong, Frame::Line("ok".into())]);
    }

    #[test]
    fn oversize_line_arriving_in_pieces() {
        let mut codec = LineFrames::new(8);
        let mut buf = BytesMut::new();
        buf.extend_from_slice(b"0123456789");
        assert_eq!(codec.decode(&mut buf).unwrap(), Some(Frame::TooLong));
        buf.extend_from_slice(b"more bytes of the same line");
        assert_eq!(codec.decode(&mut buf).unwrap(), None);
        buf.extend_from_slice(b"end\nnext\n");
        assert_eq!(codec.decode(&mut buf).unwrap(), Some(Frame::Line("next".into())));
    }

    #[test]
    fn invalid_utf8_is_reported_and_skipped() {
        assert_eq!(decode_all(100, b"\xff\xfe\nfine\n"), vec![Frame::InvalidUtf8, Frame::Line("fine".into())]);
    }

    /// What the decoder must yield for `input`, however it arrives: one item per `\n`-ended
    /// line (one trailing `\r` dropped), and for a final unterminated line; a line longer than
    /// `max` is one `TooLong`, bad UTF-8 one `InvalidUtf8`, and the next line is read as usual.
    fn model(max: usize, input: &[u8]) -> Vec<Frame> {
        let mut parts: Vec<&[u8]> = input.split(|b| *b == b'\n').collect();
        if parts.last().is_some_and(|p| p.is_empty()) {
            parts.pop(); // input ended with a newline (or was empty)
        }
        parts
            .into_iter()
            .map(|line| {
                let line = line.strip_suffix(b"\r").unwrap_or(line);
                if line.len() > max {
                    Frame::TooLong
                } else {
                    match std::str::from_utf8(line) {
                        Ok(s) => Frame::Line(s.to_owned()),
                        Err(_) => Frame::InvalidUtf8,
                    }
                }
            })
            .collect()
    }

    /// Feeds `input` in pieces cut at `cuts`, decoding after each piece as a socket read would.
    fn decode_chunked(max: usize, input: &[u8], cuts: &[usize]) -> Vec<Frame> {
        let mut codec = LineFrames::new(max);
        let mut buf = BytesMut::new();
        let mut out = Vec::new();
        let mut points: Vec<usize> = cuts.iter().map(|c| c % (input.len() + 1)).collect();
        points.push(input.len());
        points.sort_unstable();
        let mut from = 0;
        for to in points {
            buf.extend_from_slice(&input[from..to]);
            from = to;
            while let Some(f) = codec.decode(&mut buf).unwrap() {
                out.push(f);
            }
            // The decoder holds at most one line's worth of bytes, never a hostile stream.
            prop_assert_buf_bounded(&buf, max);
        }
        while let Some(f) = codec.decode_eof(&mut buf).unwrap() {
            out.push(f);
        }
        out
    }

    fn prop_assert_buf_bounded(buf: &BytesMut, max: usize) {
        assert!(buf.len() <= max + 1, "buffered {} bytes with a limit of {max}", buf.len());
    }

    /// Bytes that make framing interesting: newlines, CRs, bad UTF-8 lead bytes, text.
    fn framing_bytes() -> impl Strategy<Value = Vec<u8>> {
        proptest::collection::vec(
            prop_oneof![
                3 => Just(b'\n'),
                2 => Just(b'\r'),
                1 => Just(0xffu8),
                1 => Just(0xc3u8),
                1 => Just(0xa9u8),
                8 => b'a'..=b'z',
            ],
            0..200,
        )
    }

    #[test]
    fn a_crlf_line_of_exactly_the_limit_is_accepted_whatever_the_chunking() {
        // "abc\r" arriving before its "\n" is 4 bytes buffered for a 3-byte limit.
        assert_eq!(decode_chunked(3, b"abc\r\nok\n", &[4]), vec![Frame::Line("abc".into()), Frame::Line("ok".into())]);
        assert_eq!(decode_chunked(3, b"abcd\r\nok\n", &[4]), vec![Frame::TooLong, Frame::Line("ok".into())]);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        /// Guards the resync after a bad frame and the "bad frames are items" rule: whatever
        /// the bytes and however they are split across reads, the frames are the model's.
        #[test]
        fn any_chunking_yields_the_models_frames(input in framing_bytes(), cuts in proptest::collection::vec(any::<usize>(), 0..8), max in 1usize..24) {
            prop_assert_eq!(decode_chunked(max, &input, &cuts), model(max, &input));
        }

        #[test]
        fn never_panics_and_never_yields_a_line_over_the_limit(input in proptest::collection::vec(any::<u8>(), 0..400), max in 1usize..64) {
            for f in decode_all(max, &input) {
                if let Frame::Line(s) = f {
                    prop_assert!(s.len() <= max);
                    prop_assert!(!s.contains('\n'));
                }
            }
        }
    }
}
