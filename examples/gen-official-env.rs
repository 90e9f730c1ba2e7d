//! Regenerates `src/lint/semantic/official/official_env.rs` from the shared
//! corpus: `cargo run --example gen-official-env -- ../shared/corpus`.

fn main() {
    let corpus = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "../shared/corpus".to_string());
    match buildlint::lint::semantic::official::generate(std::path::Path::new(&corpus)) {
        Ok(text) => print!("{text}"),
        Err(e) => {
            eprintln!("gen-official-env: cannot read {corpus}: {e}");
            std::process::exit(2);
        }
    }
}
