//! Embeds the web app (`web/**`) in the binary: writes `web_assets.rs` into OUT_DIR with
//! one `include_bytes!` per file and a content hash over the whole set, which names the
//! immutable asset URLs (`/assets/<hash>/...`). No dependencies: FNV-1a is enough to
//! tell one build's files from another's.

use std::{env, fs, path::Path};

fn walk(dir: &Path, base: &Path, out: &mut Vec<(String, std::path::PathBuf)>) {
    let mut entries: Vec<_> = fs::read_dir(dir).expect("read web dir").map(|e| e.expect("dir entry").path()).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            walk(&path, base, out);
        } else {
            let rel = path.strip_prefix(base).expect("under web/").to_string_lossy().replace('\\', "/");
            out.push((rel, path));
        }
    }
}

fn main() {
    let manifest = env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR");
    let web = Path::new(&manifest).join("web");
    println!("cargo:rerun-if-changed=web");
    println!("cargo:rerun-if-changed=build.rs");
    let mut files = Vec::new();
    walk(&web, &web, &mut files);
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut code = String::from("pub static FILES: &[(&str, &[u8])] = &[\n");
    for (rel, path) in &files {
        println!("cargo:rerun-if-changed={}", path.display());
        for b in rel.bytes().chain([0]).chain(fs::read(path).expect("read web file")) {
            hash ^= u64::from(b);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
        code.push_str(&format!("    ({rel:?}, include_bytes!({:?})),\n", path.display().to_string()));
    }
    code.push_str("];\n");
    code.push_str(&format!("pub const HASH: &str = \"{:012x}\";\n", hash >> 16));
    fs::write(Path::new(&env::var("OUT_DIR").expect("OUT_DIR")).join("web_assets.rs"), code)
        .expect("write web_assets.rs");
}
