//! A request as the gateway and the handlers read it: its decoded query and the clocks
//! it is checked against.

use std::time::{Instant, SystemTime};

/// The decoded query: `application/x-www-form-urlencoded`, so `+` is a space and
/// `ToUserId%5B%5D` is `ToUserId[]`.
pub(crate) struct Params {
    pairs: Vec<(String, String)>,
}

impl Params {
    pub(crate) fn parse(query: &str) -> Self {
        Params {
            pairs: form_urlencoded::parse(query.as_bytes())
                .into_owned()
                .collect(),
        }
    }

    /// The first value of `key`, if any.
    pub(crate) fn first(&self, key: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// The first value of `key` when present and not empty.
    pub(crate) fn non_empty(&self, key: &str) -> Option<&str> {
        self.first(key).filter(|v| !v.is_empty())
    }

    /// Every value of `key`, in order.
    pub(crate) fn all<'a>(&'a self, key: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.pairs
            .iter()
            .filter(move |(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// The clocks a request is checked against.
#[derive(Clone, Copy)]
pub(crate) struct Now {
    pub(crate) wall: SystemTime,
    pub(crate) instant: Instant,
}

impl Now {
    pub(crate) fn current() -> Self {
        Now {
            wall: SystemTime::now(),
            instant: Instant::now(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_bracket_spellings_decode_to_one_key() {
        let params = Params::parse("ToUserId[]=a&ToUserId%5B%5D=b&ToUserId%5b%5d=c&x=1+2%20");
        assert_eq!(
            params.all("ToUserId[]").collect::<Vec<_>>(),
            ["a", "b", "c"]
        );
        assert_eq!(params.first("x"), Some("1 2 "));
    }
}
