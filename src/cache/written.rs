//! Which entries exist in Redis at the near copy's generation, as the replicas' announcements
//! tell. Every write is announced on the channel that announces bumps, so Redis delivers the
//! two kinds in the order it ran them: once a replica has seen the bump to a generation while
//! subscribed, every write at that generation reaches it afterwards, and an entry it has not
//! heard of is not in Redis. A near miss then needs no round trip to learn that; the database
//! is asked at once. A generation the replica did not see begin (the one it subscribed in, or
//! one Redis restarted its count at) may hold entries written before, so its misses still ask
//! Redis.

use std::collections::HashSet;

/// Entry names remembered per generation at most; past this the register stops vouching for
/// absences until the next bump (misses then ask Redis, as without it).
const CAPACITY: usize = 100_000;

#[derive(Debug, Default)]
pub(super) struct Written {
    generation: u64,
    /// Every write at `generation` has been announced here since it began.
    complete: bool,
    /// Entries (`generation_key` names) announced at `generation`.
    entries: HashSet<String>,
}

impl Written {
    /// A generation this replica saw begin: nothing was written at it before. A bump older
    /// than the generation held (announced after this replica's own, later bump took effect)
    /// changes nothing.
    pub(super) fn begin(&mut self, generation: u64) {
        if generation > self.generation {
            self.reset(generation, true);
        }
    }

    /// A generation whose earlier writes this replica may have missed.
    pub(super) fn join(&mut self, generation: u64) {
        self.reset(generation, false);
    }

    fn reset(&mut self, generation: u64, complete: bool) {
        self.generation = generation;
        self.complete = complete;
        self.entries.clear();
    }

    /// An announced write of `entry` at `generation`.
    pub(super) fn record(&mut self, generation: u64, entry: &str) {
        if generation != self.generation || !self.complete {
            return;
        }
        if self.entries.len() >= CAPACITY {
            self.reset(generation, false);
            return;
        }
        self.entries.insert(entry.to_owned());
    }

    /// Redis is known not to hold `entry` at `generation`.
    pub(super) fn absent(&self, generation: u64, entry: &str) -> bool {
        self.complete && generation == self.generation && !self.entries.contains(entry)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_generation_seen_from_its_start_vouches_for_absences() {
        let mut written = Written::default();
        written.join(3);
        assert!(!written.absent(3, "a:g3"), "joined midway: unknown");
        written.record(3, "a:g3");
        assert!(!written.absent(3, "b:g3"));

        written.begin(4);
        assert!(written.absent(4, "a:g4"));
        written.record(4, "a:g4");
        assert!(!written.absent(4, "a:g4"), "announced");
        assert!(written.absent(4, "b:g4"));
        assert!(!written.absent(5, "b:g5"), "another generation: unknown");

        // The same generation begun again (a replica's own bump, then its announcement) keeps
        // what was announced in between; an older bump announced late changes nothing.
        written.begin(4);
        written.begin(3);
        assert!(!written.absent(4, "a:g4"));
        assert!(written.absent(4, "b:g4"));
        written.record(3, "c:g3");
        assert!(
            !written.absent(3, "c:g3"),
            "a generation left is not tracked"
        );
    }

    #[test]
    fn past_its_capacity_it_stops_vouching_until_the_next_generation() {
        let mut written = Written::default();
        written.begin(1);
        for n in 0..CAPACITY {
            written.record(1, &format!("k{n}:g1"));
        }
        assert!(written.absent(1, "other:g1"));
        written.record(1, "one-more:g1");
        assert!(!written.absent(1, "other:g1"));
        written.begin(2);
        assert!(written.absent(2, "other:g2"));
    }
}
