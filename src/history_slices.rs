//! How much of a long history to build before the browser gets a frame.
//!
//! The history goes into the list newest first, a few rows at a time: the end of the
//! conversation shows at once, and no task grows long however long the history is or however
//! slow the device. Two costs bound a frame's rows: building them (wasm and DOM calls, measured
//! as it goes, so a frame stops building when its budget is spent) and the browser's style,
//! layout and paint of what was added (measured after the frame, so the next frame adds fewer
//! rows when rendering them took too long).

/// Building time one task may take before the browser gets a turn (input, a frame): rows are
/// built one by one and the time checked after each, so a slow device gets fewer rows per task
/// rather than longer tasks.
const TASK_BUDGET_MS: f64 = 8.0;
/// Building time a frame may spend in all, well under the 50 ms at which a task counts as long.
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
    /// Whether a frame that has added `rows` rows in `spent_ms` of building may add another.
    pub fn may_add(&self, rows: usize, spent_ms: f64) -> bool {
        rows < MIN_ROWS || (spent_ms < BUILD_BUDGET_MS && rows < self.row_limit)
    }

    /// Whether a task that has built for `task_ms` should give the browser a turn, its frame
    /// having added `rows` rows: not before the frame has its few rows, so the first frame shows
    /// more of the conversation's end than its last row.
    pub fn task_done(&self, rows: usize, task_ms: f64) -> bool {
        rows >= MIN_ROWS && task_ms >= TASK_BUDGET_MS
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
    fn a_frame_adds_rows_until_its_building_budget_is_spent() {
        let plan = FramePlan::default();
        assert!(plan.may_add(0, 0.0));
        assert!(plan.may_add(100, BUILD_BUDGET_MS - 0.1));
        assert!(!plan.may_add(100, BUILD_BUDGET_MS));
    }

    #[test]
    fn a_task_gives_the_browser_a_turn_once_the_frame_has_its_few_rows() {
        let plan = FramePlan::default();
        assert!(!plan.task_done(MIN_ROWS - 1, TASK_BUDGET_MS * 10.0));
        assert!(!plan.task_done(MIN_ROWS, TASK_BUDGET_MS - 0.1));
        assert!(plan.task_done(MIN_ROWS, TASK_BUDGET_MS));
    }

    #[test]
    fn slow_rendering_makes_the_next_frame_add_fewer_rows() {
        let mut plan = FramePlan::default();
        // 40 rows took twice the render budget: the next frame adds 20.
        plan.frame_rendered(40, RENDER_BUDGET_MS * 2.0);
        assert!(plan.may_add(19, 0.0));
        assert!(!plan.may_add(20, 0.0));
        // Rendering was quick again: twice as many.
        plan.frame_rendered(20, 1.0);
        assert!(plan.may_add(39, 0.0));
        assert!(!plan.may_add(40, 0.0));
    }

    #[test]
    fn a_frame_always_adds_a_few_rows() {
        let mut plan = FramePlan::default();
        plan.frame_rendered(10, 10_000.0);
        assert!(plan.may_add(MIN_ROWS - 1, BUILD_BUDGET_MS * 10.0));
        assert!(!plan.may_add(MIN_ROWS, 0.0));
        plan.frame_rendered(0, f64::NAN);
        assert!(plan.may_add(0, 0.0));
        assert!(!plan.may_add(MIN_ROWS, 0.0));
    }
}
