//! Writes the hand-written seeds into `corpus/<target>/seed-N`.

use std::path::Path;

fn main() -> std::io::Result<()> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    for (target, seeds) in [
        ("endpoint", synack_fuzz::seeds::endpoint()),
        ("wire", synack_fuzz::seeds::wire()),
    ] {
        let dir = root.join(target);
        std::fs::create_dir_all(&dir)?;
        for (i, s) in seeds.iter().enumerate() {
            std::fs::write(dir.join(format!("seed-{i}")), s)?;
        }
    }
    Ok(())
}
