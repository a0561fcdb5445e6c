//! Writes an ISMAP catalog as OSCAL catalog JSON in Kasumi's own layout,
//! without a database: the built-in SAMPLE criteria, or a `.csv` / `.xlsx` /
//! `.json` catalog file given as the second argument.
//!
//! `cargo run --release -p kasumi-ismap --example export_oscal -- OUT.json [IN]`
//! (used by `bench/oscal-vs-trestle.sh` to check the export with `trestle validate`).

use kasumi_ismap::oscal::{from_oscal_json, to_oscal_value};
use kasumi_ismap::{Catalog, import_csv, import_xlsx, sample_catalog};

fn load(path: &str) -> Result<Catalog, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read {path}: {e}"))?;
    if path.ends_with(".xlsx") {
        import_xlsx(&bytes).map_err(|e| e.to_string())
    } else if path.ends_with(".csv") {
        let text = String::from_utf8(bytes).map_err(|e| e.to_string())?;
        let version = sample_catalog().version;
        import_csv(&text, path, version).map_err(|e| e.to_string())
    } else {
        let text = String::from_utf8(bytes).map_err(|e| e.to_string())?;
        from_oscal_json(&text).map_err(|e| e.to_string())
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let Some(out) = args.get(1) else {
        eprintln!("usage: export_oscal OUT.json [IN.csv|IN.xlsx|IN.json]");
        std::process::exit(2);
    };
    let catalog = match args.get(2) {
        Some(input) => load(input).unwrap_or_else(|e| {
            eprintln!("{e}");
            std::process::exit(1);
        }),
        None => sample_catalog(),
    };
    let mut text = serde_json::to_string_pretty(&to_oscal_value(&catalog)).expect("JSON");
    text.push('\n');
    std::fs::write(out, text).unwrap_or_else(|e| {
        eprintln!("cannot write {out}: {e}");
        std::process::exit(1);
    });
    eprintln!("wrote {out} ({} items)", catalog.items.len());
}
