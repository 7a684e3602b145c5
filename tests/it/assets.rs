//! The checked-in completions and man pages match the CLI definition.
//! Regenerate with `cargo run --example gen-assets`.

#[test]
fn completions_and_man_pages_are_up_to_date() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut stale = Vec::new();
    for (path, content) in owl::cli::assets::generate() {
        let on_disk = std::fs::read(root.join(&path)).unwrap_or_default();
        if on_disk != content {
            stale.push(path);
        }
    }
    assert!(stale.is_empty(), "stale generated files {stale:?}: run `cargo run --example gen-assets`");
}
