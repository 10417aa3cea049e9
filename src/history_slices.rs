//! How much of a long history to build before the browser gets a frame.
//!
//! The history goes into the list newest first, some rows per frame: the end of the
//! conversation shows at once, and no task grows long however long the history is or however
//! slow the device. Rows are built one by one and the time checked after each, so a slow device
//! gets fewer rows per frame rather than longer tasks.
//!
//! Every frame also costs the browser style, layout and paint over the whole list, whatever it
//! added (a trace under 4× CPU throttling: 273 frames of 4 rows spent 6 s rendering 1,000 rows,
//! 60 frames of more rows 1.5 s). So after the first, a frame builds for as long as a task may
//! reasonably take, rather than adding few rows to many frames.

/// Building time of the first frame: the end of the conversation, shown at once.
const FIRST_FRAME_MS: f64 = 8.0;
/// Building time of every later frame, well under the 50 ms at which a task counts as long.
const FRAME_MS: f64 = 30.0;
/// A frame always adds this many rows, so a slow device slows the history but never stops it,
/// and the first frame shows more of the conversation's end than its last row.
const MIN_ROWS: usize = 4;

#[derive(Debug, Default)]
pub struct FramePlan {
    /// Frames shown so far.
    frames: usize,
}

impl FramePlan {
    /// Whether a frame that has added `rows` rows in `spent_ms` of building may add another.
    pub fn may_add(&self, rows: usize, spent_ms: f64) -> bool {
        let budget = if self.frames == 0 {
            FIRST_FRAME_MS
        } else {
            FRAME_MS
        };
        rows < MIN_ROWS || spent_ms < budget
    }

    /// The browser has shown a frame with the rows added so far.
    pub fn frame_shown(&mut self) {
        self.frames += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_frame_builds_briefly_and_later_ones_longer() {
        let mut plan = FramePlan::default();
        assert!(plan.may_add(100, FIRST_FRAME_MS - 0.1));
        assert!(!plan.may_add(100, FIRST_FRAME_MS));
        plan.frame_shown();
        assert!(plan.may_add(100, FIRST_FRAME_MS));
        assert!(plan.may_add(100, FRAME_MS - 0.1));
        assert!(!plan.may_add(100, FRAME_MS));
        plan.frame_shown();
        assert!(!plan.may_add(100, FRAME_MS));
    }

    #[test]
    fn a_frame_always_adds_a_few_rows() {
        let mut plan = FramePlan::default();
        assert!(plan.may_add(MIN_ROWS - 1, FIRST_FRAME_MS * 10.0));
        assert!(!plan.may_add(MIN_ROWS, FIRST_FRAME_MS * 10.0));
        plan.frame_shown();
        assert!(plan.may_add(MIN_ROWS - 1, f64::INFINITY));
        assert!(!plan.may_add(MIN_ROWS, FRAME_MS));
        assert!(plan.may_add(0, f64::NAN));
    }
}
