//! How much of a long history to build before the browser gets a frame.
//!
//! The history goes into the list newest first, one batch of rows per frame: the end of the
//! conversation shows at once, and no task grows long however long the history is or however
//! slow the device. A batch is built in one task and put before the rows already shown in one
//! step, so what a frame costs beyond its rows (the list's update, style, layout) is paid once
//! per batch rather than once per row.
//!
//! A batch's size is planned from what the last one cost: rows are counted in units of work,
//! one for the row and one for each kilobyte of the text its body shows at first (a reply's body
//! shows a long text a slice at a time, in tasks of its own), and the next batch takes as many
//! units as fit in a frame's budget at the last batch's time per unit. That time is the longer
//! of the two tasks a batch makes: building its rows, and the browser's style, layout and paint
//! of the frame that shows them. A slow device therefore gets smaller batches rather than longer
//! tasks.

// What a reply's body shows in the task that builds its row: its first slice.
use crate::reveal_pace::START as FIRST_SLICE;

/// Units of the first batch: the end of the conversation, shown at once, before anything is
/// known of what a row costs on this device: the last question and its answer, when they are
/// short. Small, because the first rows built also pay for the browser's first run of the code
/// that builds them (at 4x CPU throttling, 40-50 ms for ten short rows, traced).
const FIRST_UNITS: f64 = 4.0;
/// Building time, and rendering time, of every later batch: well under the 50 ms at which a task
/// counts as long.
const FRAME_MS: f64 = 25.0;
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
    /// Milliseconds per unit the last batch took, once one has been built.
    ms_per_unit: Option<f64>,
}

impl BatchPlan {
    /// How many rows go in the next batch, given the texts' lengths of the rows still to come,
    /// next first: always at least one.
    pub fn next_batch(&self, bytes: impl IntoIterator<Item = usize>) -> usize {
        let budget = match self.ms_per_unit {
            None => FIRST_UNITS,
            Some(ms) if ms > 0.0 => (FRAME_MS / ms).clamp(MIN_UNITS, MAX_UNITS),
            Some(_) => MAX_UNITS,
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

    /// A batch of `units` took `build_ms` to build and `render_ms` for the browser to show.
    pub fn batch_done(&mut self, units: f64, build_ms: f64, render_ms: f64) {
        let ms = build_ms.max(render_ms);
        if units > 0.0 && ms.is_finite() && ms >= 0.0 {
            self.ms_per_unit = Some(ms / units);
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
        // 20 rows took 4 ms: 0.2 ms a unit, 25 ms is 125 units.
        plan.batch_done(20.0, 4.0, 1.0);
        assert_eq!(plan.next_batch([0; 1000]), 125);
        // A slower batch makes the next one smaller.
        plan.batch_done(125.0, 50.0, 10.0);
        assert_eq!(plan.next_batch([0; 1000]), 62);
        // So does one that was quick to build and slow to show.
        plan.batch_done(62.0, 5.0, 24.8);
        assert_eq!(plan.next_batch([0; 1000]), 62);
        plan.batch_done(62.0, 5.0, 62.0);
        assert_eq!(plan.next_batch([0; 1000]), 25);
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
        // Short rows after a long one, once a batch has been measured.
        let mut plan = BatchPlan::default();
        plan.batch_done(2.0, 5.0, 1.0);
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
        plan.batch_done(100.0, 0.0, 0.0);
        assert_eq!(plan.next_batch([0; 10_000]), 2_000, "an unmeasurable batch");
        plan.batch_done(0.0, 5.0, 5.0);
        plan.batch_done(10.0, f64::NAN, f64::NAN);
        assert_eq!(
            plan.next_batch([0; 10_000]),
            2_000,
            "nothing learnt from no units"
        );
    }
}
