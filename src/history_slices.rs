//! How much of a long history to build before the browser gets a turn.
//!
//! The history goes into the list newest first, one batch of rows per task: the end of the
//! conversation shows at once, and no task grows long however long the history is or however
//! slow the device. A batch is built in one task and put before the rows already shown in one
//! step, so what a frame costs beyond its rows (the list's update, style, layout) is paid once
//! per batch rather than once per row.
//!
//! A batch's size is planned from what the last one cost: rows are counted in units of work,
//! one for the row and one for each kilobyte of the text its body shows at first (a reply's body
//! shows a long text a slice at a time, in tasks of its own), and the next batch takes as many
//! units as fit in a frame's budget at the last batch's time per unit. That time is the longer
//! of the two tasks a batch makes: building its rows (with the effects that build their
//! bodies), and what the browser did before the next batch: style, layout and paint, when a
//! frame was due. A slow device therefore gets smaller batches rather than longer tasks. A
//! batch is at most twice the one before, and a quicker batch lowers the time per unit only
//! part of the way: a small batch is too quick to measure well (traced at 4x CPU throttling,
//! 17 rows measured at a fifth of their cost planned a batch of 86 ms).

// What a reply's body shows in the task that builds its row: its first slice.
use crate::reveal_pace::START as FIRST_SLICE;

/// Units of the first batch: the end of the conversation, shown at once, before anything is
/// known of what a row costs on this device: the last question and its answer, when they are
/// short.
const FIRST_UNITS: f64 = 4.0;
/// Building time of every later batch: well under the 50 ms at which a task counts as long,
/// with room for a collection of garbage (10 ms at 4x CPU throttling, traced) in the same task.
const FRAME_MS: f64 = 20.0;
/// What is kept of the time per unit measured before when a batch is quicker.
const SLOWEST_KEPT: f64 = 0.7;
/// Bounds of a later batch's units: a slow device slows the history but never stops it, and a
/// timer too coarse to measure a batch does not make the next one huge.
const MIN_UNITS: f64 = 5.0;
const MAX_UNITS: f64 = 2_000.0;
/// The work of building one row whose text is `bytes` long.
pub fn row_units(bytes: usize) -> f64 {
    1.0 + bytes.min(FIRST_SLICE) as f64 / 1024.0
}

#[derive(Debug, Default)]
pub struct BatchPlan {
    /// Milliseconds per unit the last batch took, and its units, once one has been built.
    last: Option<(f64, f64)>,
}

impl BatchPlan {
    /// How many rows go in the next batch, given the texts' lengths of the rows still to come,
    /// next first: always at least one.
    pub fn next_batch(&self, bytes: impl IntoIterator<Item = usize>) -> usize {
        let budget = match self.last {
            None => FIRST_UNITS,
            Some((ms, units)) => {
                let fit = if ms > 0.0 { FRAME_MS / ms } else { MAX_UNITS };
                fit.min(2.0 * units).clamp(MIN_UNITS, MAX_UNITS)
            }
        };
        let mut units = 0.0;
        let mut rows = 0;
        for bytes in bytes {
            units += row_units(bytes);
            if rows > 0 && units > budget {
                break;
            }
            rows += 1;
        }
        rows
    }

    /// A batch of `units` took `build_ms` to build, and the browser `render_ms` before the next
    /// one. A quicker batch than the last lowers the time per unit only part of the way: one
    /// measured too quick (a collection of garbage or the browser's own work fell in the next)
    /// does not make the next batch much longer.
    pub fn batch_done(&mut self, units: f64, build_ms: f64, render_ms: f64) {
        let ms = build_ms.max(render_ms);
        if units > 0.0 && ms.is_finite() && ms >= 0.0 {
            let measured = ms / units;
            let per_unit = match self.last {
                Some((before, _)) => measured.max(before * SLOWEST_KEPT),
                None => measured,
            };
            self.last = Some((per_unit, units));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_batch_is_small_and_later_ones_fill_a_frame() {
        let mut plan = BatchPlan::default();
        assert_eq!(plan.next_batch([0; 1000]), 4, "4 units of short rows");
        // 100 units took 10 ms: 0.1 ms a unit, 20 ms is 200 units.
        plan.batch_done(100.0, 10.0, 0.0);
        assert_eq!(plan.next_batch([0; 1000]), 200);
        // A slower batch makes the next one smaller.
        plan.batch_done(200.0, 100.0, 0.0);
        assert_eq!(plan.next_batch([0; 1000]), 40);
        // So does one that was quick to build and slow to show.
        plan.batch_done(40.0, 4.0, 40.0);
        assert_eq!(plan.next_batch([0; 1000]), 20);
    }

    #[test]
    fn a_quicker_batch_lowers_the_time_per_unit_part_of_the_way() {
        let mut plan = BatchPlan::default();
        plan.batch_done(100.0, 40.0, 0.0);
        assert_eq!(plan.next_batch([0; 1000]), 50, "0.4 ms a unit");
        // Measured at 0.04 ms a unit; 0.28 kept.
        plan.batch_done(50.0, 2.0, 0.0);
        assert_eq!(plan.next_batch([0; 1000]), 71);
    }

    #[test]
    fn a_batch_is_at_most_twice_the_one_before() {
        let mut plan = BatchPlan::default();
        // 17 units in 2 ms would make 170 units fit in 20 ms.
        plan.batch_done(17.0, 2.0, 0.0);
        assert_eq!(plan.next_batch([0; 1000]), 34);
        plan.batch_done(34.0, 4.0, 0.0);
        assert_eq!(plan.next_batch([0; 1000]), 68);
        plan.batch_done(68.0, 8.0, 0.0);
        assert_eq!(plan.next_batch([0; 1000]), 136);
        plan.batch_done(136.0, 16.0, 0.0);
        assert_eq!(plan.next_batch([0; 1000]), 170, "then what fits in 20 ms");
    }

    #[test]
    fn long_texts_count_for_what_their_first_slice_shows() {
        let plan = BatchPlan::default();
        // 4 KB and more is 5 units a row.
        assert_eq!(plan.next_batch([1 << 20; 100]), 1);
        assert_eq!(plan.next_batch([FIRST_SLICE; 100]), 1);
        assert_eq!(plan.next_batch([1024; 100]), 2);
        assert_eq!(plan.next_batch([512; 100]), 2);
        assert_eq!(plan.next_batch([0, 0, 1 << 20]), 2);
        // Short rows after a long one, once a batch has been measured (10 units).
        let mut plan = BatchPlan::default();
        plan.batch_done(5.0, 10.0, 0.0);
        assert_eq!(plan.next_batch([1 << 20, 0, 0, 0, 1 << 20, 0]), 4);
    }

    #[test]
    fn a_batch_always_has_a_row_and_stays_within_bounds() {
        let mut plan = BatchPlan::default();
        plan.batch_done(5.0, 10_000.0, 0.0);
        assert_eq!(plan.next_batch([1 << 20; 10]), 1, "one row however slow");
        assert_eq!(
            plan.next_batch([0; 10]),
            5,
            "at least the minimum of short rows"
        );
        assert_eq!(plan.next_batch(std::iter::empty()), 0);
        let mut plan = BatchPlan::default();
        plan.batch_done(1_500.0, 0.0, 0.0);
        assert_eq!(plan.next_batch([0; 10_000]), 2_000, "an unmeasurable batch");
        plan.batch_done(0.0, 5.0, 0.0);
        plan.batch_done(10.0, f64::NAN, f64::NAN);
        assert_eq!(
            plan.next_batch([0; 10_000]),
            2_000,
            "nothing learnt from no units"
        );
    }
}
