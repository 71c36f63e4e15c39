//! The one query encoder of the API.
//!
//! Values are percent-encoded exactly once: the RFC 3986 unreserved characters
//! (`A-Z a-z 0-9 - . _ ~`) pass, every other byte of the UTF-8 text becomes `%XX` (upper
//! case hex), so a space is `%20` and never `+`. Keys are written as they are: they are
//! fixed ASCII names chosen by this crate, and array keys keep their literal brackets
//! (`ToUserId[]=a&ToUserId[]=b`), as in the vendor's example.

use std::fmt::Write as _;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC};

/// Every byte but the RFC 3986 unreserved characters.
pub const ENCODE_SET: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// `true` for the bytes [`ENCODE_SET`] leaves as they are.
fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

/// Appends `value` percent-encoded with [`ENCODE_SET`], in one pass over its bytes.
///
/// Each run of unreserved bytes is copied in one piece; only the bytes that need it are
/// escaped one at a time.
fn encode_into(buf: &mut String, value: &str) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    buf.reserve(value.len());
    // A run that is not empty starts and ends next to ASCII bytes, so it is a slice on
    // character boundaries; an empty run may sit inside a character, where `get` gives
    // `None`, which is read as the empty string it is.
    let mut run = 0;
    for (i, &b) in value.as_bytes().iter().enumerate() {
        if is_unreserved(b) {
            continue;
        }
        buf.push_str(value.get(run..i).unwrap_or_default());
        run = i + 1;
        buf.push('%');
        buf.push(char::from(HEX[usize::from(b >> 4)]));
        buf.push(char::from(HEX[usize::from(b & 0xf)]));
    }
    buf.push_str(value.get(run..).unwrap_or_default());
}

/// Appends `key=value` pairs to a query string, in the order they are written.
///
/// ```
/// use zego_core::QueryWriter;
/// let mut q = QueryWriter::new();
/// q.param("Action", "SendCustomCommand");
/// q.array("ToUserId", ["a b", "c&d"]);
/// q.param("MessageContent", "hi 👋");
/// assert_eq!(
///     q.as_str(),
///     "Action=SendCustomCommand&ToUserId[]=a%20b&ToUserId[]=c%26d&MessageContent=hi%20%F0%9F%91%8B"
/// );
/// ```
#[derive(Clone, Debug, Default)]
pub struct QueryWriter {
    buf: String,
}

impl QueryWriter {
    /// An empty query.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty query with room for `capacity` bytes.
    pub fn with_capacity(capacity: usize) -> Self {
        QueryWriter {
            buf: String::with_capacity(capacity),
        }
    }

    /// Starts from an existing string (for example a base URL ending in `?`); pairs are
    /// appended after it, the first one without a leading `&`.
    pub fn starting_with(prefix: String) -> Self {
        QueryWriter { buf: prefix }
    }

    fn key(&mut self, key: &str) {
        if !(self.buf.is_empty() || self.buf.ends_with('?')) {
            self.buf.push('&');
        }
        self.buf.push_str(key);
    }

    /// Appends `key=value`, the value percent-encoded.
    pub fn param(&mut self, key: &str, value: &str) -> &mut Self {
        self.key(key);
        self.buf.push('=');
        encode_into(&mut self.buf, value);
        self
    }

    /// Appends `key=value` unless `value` is empty: an optional parameter left empty is
    /// not sent (spec §0.1 reads an empty value as the parameter left out).
    pub fn optional(&mut self, key: &str, value: &str) -> &mut Self {
        if !value.is_empty() {
            self.param(key, value);
        }
        self
    }

    /// Appends `key=value` for a value that is already display-safe (a number): the
    /// value's `Display` output is still percent-encoded.
    pub fn display(&mut self, key: &str, value: impl std::fmt::Display) -> &mut Self {
        self.key(key);
        self.buf.push('=');
        let start = self.buf.len();
        // Writing into a String cannot fail.
        let _ = write!(self.buf, "{value}");
        if !self.buf[start..].bytes().all(is_unreserved) {
            let raw = self.buf.split_off(start);
            encode_into(&mut self.buf, &raw);
        }
        self
    }

    /// Appends `key[]=v` for each value, in order.
    pub fn array<I, S>(&mut self, key: &str, values: I) -> &mut Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        for value in values {
            self.key(key);
            self.buf.push_str("[]=");
            encode_into(&mut self.buf, value.as_ref());
        }
        self
    }

    /// Appends `text` as it is (a base URL, a separator): the caller vouches that it is
    /// valid in a URL.
    pub(crate) fn push_raw(&mut self, text: &str) {
        self.buf.push_str(text);
    }

    /// The query so far.
    pub fn as_str(&self) -> &str {
        &self.buf
    }

    /// The query as a `String`.
    pub fn into_string(self) -> String {
        self.buf
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_as_the_encode_set_says() {
        // Every one-byte and two-byte character (so every ASCII byte, every two-byte lead
        // and every continuation byte), and three- and four-byte characters.
        let mut text: String = ('\0'..='\u{7ff}').collect();
        text.push_str("推送自定义信息-新接口 \u{ffff}\u{10000}👋🏽\u{10ffff}");
        let mut q = QueryWriter::new();
        q.param("K", &text);
        let expected = percent_encoding::utf8_percent_encode(&text, ENCODE_SET).to_string();
        assert_eq!(q.as_str(), format!("K={expected}"));
    }

    #[test]
    fn unreserved_pass_everything_else_is_encoded() {
        let mut q = QueryWriter::new();
        q.param("K", "AZaz09-._~ !\"#$%&'()*+,/:;<=>?@[\\]^`{|}\n推");
        assert_eq!(
            q.as_str(),
            "K=AZaz09-._~%20%21%22%23%24%25%26%27%28%29%2A%2B%2C%2F%3A%3B%3C%3D%3E%3F%40%5B%5C%5D%5E%60%7B%7C%7D%0A%E6%8E%A8"
        );
    }

    #[test]
    fn encoded_once() {
        let mut q = QueryWriter::new();
        q.param("K", "%20");
        assert_eq!(q.as_str(), "K=%2520");
    }

    #[test]
    fn vendor_example_content() {
        let mut q = QueryWriter::new();
        q.param("MessageContent", "推送自定义信息-新接口");
        assert_eq!(
            q.as_str(),
            "MessageContent=%E6%8E%A8%E9%80%81%E8%87%AA%E5%AE%9A%E4%B9%89%E4%BF%A1%E6%81%AF-%E6%96%B0%E6%8E%A5%E5%8F%A3"
        );
    }

    #[test]
    fn separators_and_prefix() {
        let mut q = QueryWriter::starting_with("https://h/?".to_owned());
        q.param("A", "1").display("B", 2u32).display("C", "x y");
        q.array("U", Vec::<String>::new());
        q.optional("D", "").optional("E", "e");
        assert_eq!(q.into_string(), "https://h/?A=1&B=2&C=x%20y&E=e");
    }
}
