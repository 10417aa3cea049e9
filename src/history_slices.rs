//! How much of a long history to build before the browser gets a frame.
//!
//! The history goes into the list newest first, a few rows at a time: the end of the
//! conversation shows at once, and no task grows long however long the history is or however
//! slow the device. Two costs bound a frame's rows: building them (wasm and DOM calls, measured
//! as it goes, so a frame stops building when its budget is spent) and the browser's style,
//! layout and paint of what was added (measured after the frame, so the next frame adds fewer
//! rows when rendering them took too long).

/// Rows put in the list at a time: the first batch is about what a panel shows.
const BATCH_ROWS: usize = 12;
/// Building time a frame may spend, well under the 50 ms at which a task counts as long.
const BUILD_BUDGET_MS: f64 = 12.0;
/// Style, layout and paint time a frame may take for the rows it added.
const RENDER_BUDGET_MS: f64 = 25.0;
/// A frame always adds this many rows, so slow rendering slows the history but never stops it.
const MIN_ROWS: usize = 4;
const MAX_ROWS: usize = 1_000;

#[derive(Debug)]
pub struct FramePlan {
    /// Rows the next frame may add at most.
    row_limit: usize,
}

impl Default for FramePlan {
    fn default() -> Self {
        FramePlan {
            row_limit: MAX_ROWS,
        }
    }
}

impl FramePlan {
    /// Rows to add next in a frame that has added `rows` rows in `spent_ms` of building; 0 when
    /// the frame has done its share.
    pub fn next_batch(&self, rows: usize, spent_ms: f64) -> usize {
        if spent_ms >= BUILD_BUDGET_MS {
            return 0;
        }
        self.row_limit
            .max(MIN_ROWS)
            .saturating_sub(rows)
            .min(BATCH_ROWS)
    }

    /// A frame added `rows` rows and the browser took `render_ms` to style, lay out and paint
    /// it: the next frame may add fewer when that was too long, or twice as many when it was not.
    pub fn frame_rendered(&mut self, rows: usize, render_ms: f64) {
        self.row_limit = if render_ms > RENDER_BUDGET_MS {
            (rows as f64 * RENDER_BUDGET_MS / render_ms) as usize
        } else {
            rows.max(1).saturating_mul(2)
        }
        .clamp(MIN_ROWS, MAX_ROWS);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_frame_builds_in_batches_until_its_budget_is_spent() {
        let plan = FramePlan::default();
        assert_eq!(plan.next_batch(0, 0.0), BATCH_ROWS);
        assert_eq!(plan.next_batch(100, BUILD_BUDGET_MS - 0.1), BATCH_ROWS);
        assert_eq!(plan.next_batch(100, BUILD_BUDGET_MS), 0);
    }

    #[test]
    fn slow_rendering_makes_the_next_frame_add_fewer_rows() {
        let mut plan = FramePlan::default();
        // 40 rows took twice the render budget: the next frame adds 20.
        plan.frame_rendered(40, RENDER_BUDGET_MS * 2.0);
        assert_eq!(plan.next_batch(12, 0.0), 8);
        assert_eq!(plan.next_batch(20, 0.0), 0);
        // Rendering was quick again: twice as many.
        plan.frame_rendered(20, 1.0);
        assert_eq!(plan.next_batch(36, 0.0), 4);
        assert_eq!(plan.next_batch(40, 0.0), 0);
    }

    #[test]
    fn a_frame_always_adds_a_few_rows() {
        let mut plan = FramePlan::default();
        plan.frame_rendered(10, 10_000.0);
        assert_eq!(plan.next_batch(0, 0.0), MIN_ROWS);
        assert_eq!(plan.next_batch(MIN_ROWS, 0.0), 0);
        plan.frame_rendered(0, f64::NAN);
        assert_eq!(plan.next_batch(0, 0.0), MIN_ROWS);
    }
}
