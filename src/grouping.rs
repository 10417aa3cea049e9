//! Where a message sits among its neighbours: whether a day separator goes above it, and
//! whether it opens or closes a run of messages from the same side (one picture per run, at
//! its start; one time per run, at its end).
//!
//! A row's place depends on its two neighbours only, so when the list changes only the rows
//! next to the change can move to another place. The history goes in newest first, one row at
//! a time above the others: the row below the new one is then the only one whose place may
//! change, and only where the two belong to the same run.

use crate::models::Role;

/// Messages of one side further apart than this start a new run (and show their own time).
const RUN_GAP_MS: i64 = 5 * 60_000;

/// What a row needs to know of a neighbour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    pub role: Role,
    /// Milliseconds since the epoch; `None` for a message without a time (an unsent one
    /// restored after a reload).
    pub at: Option<i64>,
    /// The visitor's local day of `at` (any number that differs between days).
    pub day: Option<i64>,
}

/// A row's place among its neighbours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RowPlace {
    /// A separator with this row's day goes above it: the row before is of another day. The
    /// first row of the list has its day shown above the list instead (see `MessageList`).
    pub starts_day: bool,
    /// The first of a run from one side: it shows the sender's picture.
    pub starts_run: bool,
    /// The last of a run: it shows the time.
    pub ends_run: bool,
    /// The newest message of the list.
    pub last: bool,
}

impl Default for RowPlace {
    /// A row alone.
    fn default() -> Self {
        RowPlace {
            starts_day: false,
            starts_run: true,
            ends_run: true,
            last: true,
        }
    }
}

/// Whether `b`, right after `a`, continues `a`'s run.
fn same_run(a: &Stamp, b: &Stamp) -> bool {
    if a.role != b.role {
        return false;
    }
    if let (Some(x), Some(y)) = (a.day, b.day) {
        if x != y {
            return false;
        }
    }
    match (a.at, b.at) {
        (Some(x), Some(y)) => (y - x).abs() <= RUN_GAP_MS,
        _ => true,
    }
}

/// The place of `this` between `before` and `after`.
pub fn place(before: Option<&Stamp>, this: &Stamp, after: Option<&Stamp>) -> RowPlace {
    let starts_day = match (before.and_then(|b| b.day), this.day) {
        (Some(a), Some(b)) => a != b,
        _ => false,
    };
    RowPlace {
        starts_day,
        starts_run: before.is_none_or(|b| !same_run(b, this)),
        ends_run: after.is_none_or(|a| !same_run(this, a)),
        last: after.is_none(),
    }
}

/// The places of `stamps[range]` (the rest of the list gives their neighbours).
pub fn places(stamps: &[Stamp], range: std::ops::Range<usize>) -> Vec<RowPlace> {
    range
        .filter(|&i| i < stamps.len())
        .map(|i| {
            let before = i.checked_sub(1).map(|j| &stamps[j]);
            place(before, &stamps[i], stamps.get(i + 1))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: i64 = 60_000;
    const DAY: i64 = 24 * 60 * MIN;

    fn stamp(role: Role, at: i64) -> Stamp {
        Stamp {
            role,
            at: Some(at),
            day: Some(at.div_euclid(DAY)),
        }
    }

    #[test]
    fn a_run_of_one_side_has_one_start_and_one_end() {
        let v = |at| stamp(Role::Visitor, at);
        let a = |at| stamp(Role::Assistant, at);
        let list = [v(0), a(MIN), a(2 * MIN), a(3 * MIN), v(4 * MIN)];
        let got: Vec<(bool, bool)> = places(&list, 0..list.len())
            .iter()
            .map(|p| (p.starts_run, p.ends_run))
            .collect();
        assert_eq!(
            got,
            [
                (true, true),
                (true, false),
                (false, false),
                (false, true),
                (true, true)
            ]
        );
    }

    #[test]
    fn a_new_day_or_a_long_pause_starts_a_new_run() {
        let a = |at| stamp(Role::Assistant, at);
        let list = [a(DAY - MIN), a(DAY + MIN), a(DAY + 30 * MIN)];
        let got = places(&list, 0..3);
        assert!(
            !got[0].starts_day,
            "the list's first day is shown above the list"
        );
        assert!(got[1].starts_day && got[1].starts_run);
        assert!(!got[2].starts_day && got[2].starts_run);
        assert!(got[2].last && !got[1].last);
    }

    #[test]
    fn messages_without_a_time_join_their_side_and_start_no_day() {
        let untimed = Stamp {
            role: Role::Visitor,
            at: None,
            day: None,
        };
        let list = [stamp(Role::Visitor, 0), untimed, untimed];
        let got = places(&list, 0..3);
        assert!(got.iter().all(|p| !p.starts_day));
        assert_eq!(got.iter().filter(|p| p.starts_run).count(), 1);
        assert_eq!(got.iter().filter(|p| p.ends_run).count(), 1);
    }

    #[test]
    fn a_row_put_above_changes_the_row_below_only_within_a_run() {
        // The history goes in newest first: the row that was first gains a neighbour above.
        let reply = stamp(Role::Assistant, DAY + MIN);
        let alone = place(None, &reply, None);
        let below_a_question = place(Some(&stamp(Role::Visitor, DAY)), &reply, None);
        assert_eq!(alone, below_a_question);
        let below_a_reply = place(Some(&stamp(Role::Assistant, DAY)), &reply, None);
        assert!(!below_a_reply.starts_run);
        let below_yesterday = place(Some(&stamp(Role::Visitor, DAY - MIN)), &reply, None);
        assert!(below_yesterday.starts_day);
    }

    #[test]
    fn ranges_past_the_end_are_cut() {
        let list = [stamp(Role::Visitor, 0)];
        assert_eq!(places(&list, 0..3), [RowPlace::default()]);
    }
}
