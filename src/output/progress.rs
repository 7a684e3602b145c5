//! Progress bars for `owl fetch` on a terminal: one per mailbox being
//! downloaded and a total, in messages and bytes (indicatif, on stderr).

use std::sync::Mutex;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::cmd::fetch::observer::{Observer, Planned};

/// Shows bars; create it only when stderr is a terminal.
pub struct Bars {
    multi: MultiProgress,
    state: Mutex<Option<State>>,
}

struct Counted {
    bar: ProgressBar,
    done: u64,
    messages: u64,
}

impl Counted {
    fn add(&mut self, bytes: u64) {
        self.done += 1;
        self.bar.inc(bytes);
        self.bar.set_message(format!("{}/{}", self.done, self.messages));
    }
}

struct State {
    total: Counted,
    mailboxes: Vec<Counted>,
}

impl Bars {
    /// Bars drawn on stderr.
    pub fn new() -> Bars {
        Bars { multi: MultiProgress::with_draw_target(ProgressDrawTarget::stderr()), state: Mutex::new(None) }
    }
}

impl Default for Bars {
    fn default() -> Bars {
        Bars::new()
    }
}

fn style(template: &str) -> ProgressStyle {
    ProgressStyle::with_template(template).unwrap_or_else(|_| ProgressStyle::default_bar()).progress_chars("=> ")
}

impl Observer for Bars {
    fn planned(&self, mailboxes: &[Planned]) {
        let bytes: u64 = mailboxes.iter().map(|m| m.bytes).sum();
        let messages: u64 = mailboxes.iter().map(|m| m.messages).sum();
        let name_width = mailboxes.iter().map(|m| m.name.chars().count()).max().unwrap_or(5).clamp(5, 30);
        let bars = mailboxes
            .iter()
            .map(|m| {
                let bar = self.multi.add(ProgressBar::new(m.bytes));
                bar.set_style(style(&format!(
                    "{{prefix:{name_width}}} [{{bar:30}}] {{binary_bytes:>10}}/{{binary_total_bytes}} {{msg}}"
                )));
                bar.set_prefix(m.name.clone());
                bar.set_message(format!("0/{}", m.messages));
                Counted { bar, done: 0, messages: m.messages }
            })
            .collect();
        let total = self.multi.add(ProgressBar::new(bytes));
        total.set_style(style(&format!(
            "{{prefix:{name_width}}} [{{bar:30}}] {{binary_bytes:>10}}/{{binary_total_bytes}} {{msg}} {{binary_bytes_per_sec}} eta {{eta}}"
        )));
        total.set_prefix("total");
        total.set_message(format!("0/{messages}"));
        let total = Counted { bar: total, done: 0, messages };
        *self.state.lock().unwrap_or_else(|e| e.into_inner()) = Some(State { total, mailboxes: bars });
    }

    fn downloaded(&self, index: usize, bytes: u64) {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let Some(state) = state.as_mut() else { return };
        if let Some(mailbox) = state.mailboxes.get_mut(index) {
            mailbox.add(bytes);
        }
        state.total.add(bytes);
    }

    fn finished(&self) {
        let state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(state) = state.as_ref() {
            for mailbox in &state.mailboxes {
                mailbox.bar.finish_and_clear();
            }
            state.total.bar.finish_and_clear();
        }
        let _ = self.multi.clear();
    }
}
