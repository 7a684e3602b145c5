//! Regenerates `completions/` and `man/` from the clap definitions:
//! `cargo run --example gen-assets`.

fn main() -> std::io::Result<()> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    for (path, content) in owl::cli::assets::generate() {
        let target = root.join(&path);
        if let Some(dir) = target.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(&target, content)?;
        println!("wrote {path}");
    }
    Ok(())
}
