//! A first-in, first-out store bounded both in entries and in bytes, that drops its
//! oldest entries to make room: the request log and the inboxes are kept in one each, so
//! that no stream of requests can make the mock's memory grow without limit.

use std::collections::VecDeque;

/// Something kept in a [`Bounded`] store, with the size it counts for.
pub(crate) trait Weigh {
    /// The bytes it counts for: the UTF-8 length of its text.
    fn bytes(&self) -> usize;
}

/// Entries in arrival order, at most `max_entries` of them and `max_bytes` in all.
#[derive(Debug)]
pub(crate) struct Bounded<T> {
    entries: VecDeque<(T, usize)>,
    bytes: usize,
    max_entries: usize,
    max_bytes: usize,
}

impl<T: Weigh> Bounded<T> {
    pub(crate) fn new(max_entries: usize, max_bytes: usize) -> Self {
        Bounded {
            entries: VecDeque::new(),
            bytes: 0,
            max_entries,
            max_bytes,
        }
    }

    /// Keeps `entry`, dropping the oldest entries first until it fits. An entry larger
    /// than the whole byte budget (or a store of no entries) keeps nothing.
    pub(crate) fn push(&mut self, entry: T) {
        let size = entry.bytes();
        if size > self.max_bytes || self.max_entries == 0 {
            return;
        }
        while self.entries.len() >= self.max_entries || self.bytes + size > self.max_bytes {
            let Some((_, dropped)) = self.entries.pop_front() else {
                break;
            };
            self.bytes -= dropped;
        }
        self.bytes += size;
        self.entries.push_back((entry, size));
    }

    /// Changes the newest entry that `matches` (if one is still kept), weighs it again,
    /// and drops the oldest entries, that one included, while the store is over its byte
    /// budget.
    pub(crate) fn update(&mut self, matches: impl Fn(&T) -> bool, change: impl FnOnce(&mut T)) {
        let Some((entry, size)) = self
            .entries
            .iter_mut()
            .rev()
            .find(|(entry, _)| matches(entry))
        else {
            return;
        };
        change(entry);
        let new_size = entry.bytes();
        self.bytes = self.bytes - *size + new_size;
        *size = new_size;
        while self.bytes > self.max_bytes {
            let Some((_, dropped)) = self.entries.pop_front() else {
                break;
            };
            self.bytes -= dropped;
        }
    }

    /// The entries kept, oldest first.
    pub(crate) fn iter(&self) -> impl DoubleEndedIterator<Item = &T> {
        self.entries.iter().map(|(entry, _)| entry)
    }

    /// How many entries are kept.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    /// The bytes the entries kept count for.
    #[cfg(test)]
    pub(crate) fn bytes(&self) -> usize {
        self.bytes
    }

    pub(crate) fn clear(&mut self) {
        self.entries.clear();
        self.bytes = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    impl Weigh for String {
        fn bytes(&self) -> usize {
            self.len()
        }
    }

    fn kept(store: &Bounded<String>) -> Vec<&str> {
        store.iter().map(String::as_str).collect()
    }

    #[test]
    fn the_oldest_entries_go_first_when_the_bytes_run_out() {
        let mut store = Bounded::new(100, 10);
        for entry in ["aaaa", "bbb", "cc"] {
            store.push(entry.to_owned());
        }
        assert_eq!((store.len(), store.bytes()), (3, 9));
        store.push("dddd".to_owned()); // 13 bytes: "aaaa" goes
        assert_eq!(kept(&store), ["bbb", "cc", "dddd"]);
        assert_eq!(store.bytes(), 9);
        store.push("eeeeeeeeee".to_owned()); // the whole budget: everything else goes
        assert_eq!(kept(&store), ["eeeeeeeeee"]);
        store.push("f".repeat(11)); // over the budget on its own: not kept, nothing lost
        assert_eq!(kept(&store), ["eeeeeeeeee"]);
        store.clear();
        assert_eq!((store.len(), store.bytes()), (0, 0));
    }

    #[test]
    fn an_updated_entry_is_weighed_again() {
        let mut store = Bounded::new(100, 10);
        for entry in ["aaa", "bbb", "cc"] {
            store.push(entry.to_owned());
        }
        store.update(|e| e.starts_with('b'), |e| e.push('b'));
        assert_eq!(kept(&store), ["aaa", "bbbb", "cc"]);
        assert_eq!(store.bytes(), 9);
        store.update(|e| e == "zz", |e| e.push('z')); // none: nothing changes
        assert_eq!(store.bytes(), 9);
        store.update(|e| e == "cc", |e| e.push_str("cccc")); // 13 bytes: "aaa" goes
        assert_eq!(kept(&store), ["bbbb", "cccccc"]);
        assert_eq!(store.bytes(), 10);
        store.update(|e| e == "bbbb", |e| e.push_str("bbbbbbbbbb")); // alone over budget
        assert_eq!(kept(&store), ["cccccc"]);
        assert_eq!(store.bytes(), 6);
    }

    #[test]
    fn the_oldest_entries_go_first_when_the_count_runs_out() {
        let mut store = Bounded::new(2, 1000);
        for entry in ["a", "b", "c"] {
            store.push(entry.to_owned());
        }
        assert_eq!(kept(&store), ["b", "c"]);
        assert_eq!(store.bytes(), 2);
        let mut none = Bounded::new(0, 1000);
        none.push("a".to_owned());
        assert_eq!(none.len(), 0);
    }
}
