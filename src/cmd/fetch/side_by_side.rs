//! Local mailbox work on a few threads at once.

/// Most threads that work on local mailboxes at once.
const LOCAL_WORKERS: usize = 8;

/// Runs `work` on each item, a few threads at a time: local mailbox work
/// is mostly fsyncs (a new Maildir costs several, a state file two),
/// which a journal commits together when they come at once. One after
/// another, 11 new mailboxes took 100-250 ms to open on the critical path
/// of a first backup.
pub fn side_by_side<T: Send>(mut items: Vec<T>, work: impl Fn(&mut T) + Sync) {
    let per_thread = items.len().div_ceil(LOCAL_WORKERS).max(1);
    let work = &work;
    std::thread::scope(|scope| {
        for share in items.chunks_mut(per_thread) {
            scope.spawn(move || share.iter_mut().for_each(work));
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_item_is_worked_once_on_at_most_a_few_threads() {
        let mut items = vec![0u32; 20];
        let threads = std::sync::Mutex::new(std::collections::HashSet::new());
        side_by_side(items.iter_mut().collect(), |item| {
            **item += 1;
            threads.lock().unwrap().insert(std::thread::current().id());
        });
        assert!(items.iter().all(|&n| n == 1), "{items:?}");
        assert!(threads.lock().unwrap().len() <= LOCAL_WORKERS);
        side_by_side(Vec::<u32>::new(), |_| unreachable!("no items, no work"));
    }
}
