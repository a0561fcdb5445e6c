//! `kasumi catalog …` and `kasumi oscal …`: the control criteria from the console.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::Subcommand;
use indicatif::{ProgressBar, ProgressStyle};
use kasumi_core::{Clock, Lang};
use kasumi_ismap::{Catalog, CatalogVersion};
use kasumi_store::Actor;
use kasumi_web::catalogs::{self, Format};

use crate::DbArgs;

#[derive(Subcommand)]
pub enum CatalogCommand {
    /// Write an empty import template (.xlsx with a readme sheet, or .csv).
    Template {
        #[arg(short, long, default_value = "catalog-template.xlsx")]
        output: PathBuf,
    },
    /// Import a version from .xlsx, .csv or OSCAL .json: all or nothing.
    Import {
        file: PathBuf,
        /// The version id (required for CSV, which carries no version; overrides the file's otherwise).
        #[arg(long)]
        id: Option<String>,
        /// The Japanese title (defaults to the id for CSV).
        #[arg(long)]
        title_ja: Option<String>,
        /// The English title.
        #[arg(long)]
        title_en: Option<String>,
        /// Issue date YYYY-MM-DD.
        #[arg(long)]
        issued: Option<String>,
        /// Mark the version as not the official text.
        #[arg(long)]
        sample: bool,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Export a stored version; the format follows the file name (.xlsx, .csv, .json).
    Export {
        id: String,
        #[arg(short, long)]
        output: PathBuf,
        #[command(flatten)]
        db: DbArgs,
    },
    /// List stored versions.
    List {
        #[command(flatten)]
        db: DbArgs,
    },
    /// What changed from version A to version B.
    Diff {
        a: String,
        b: String,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        db: DbArgs,
    },
}

#[derive(Subcommand)]
pub enum OscalCommand {
    /// Resolve an OSCAL profile into a catalog.
    Resolve {
        profile: PathBuf,
        /// Where to write the resolved catalog (standard output when absent).
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
    /// Check an OSCAL catalog: its shape (with JSON paths), ids, links and parameters.
    Validate { catalog: PathBuf },
}

pub(crate) fn console_lang() -> Lang {
    let lang = std::env::var("KASUMI_LANG")
        .or_else(|_| std::env::var("LANG"))
        .unwrap_or_default();
    if lang.starts_with("ja") {
        Lang::Ja
    } else {
        Lang::En
    }
}

fn steps(len: u64) -> ProgressBar {
    let bar = ProgressBar::new(len);
    bar.set_style(
        ProgressStyle::with_template("{spinner} [{bar:24}] {pos}/{len} {msg}")
            .expect("the template is valid")
            .progress_chars("=> "),
    );
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}

fn read(path: &Path) -> anyhow::Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

pub async fn run_catalog(command: CatalogCommand, clock: &dyn Clock) -> anyhow::Result<ExitCode> {
    match command {
        CatalogCommand::Template { output } => {
            let bytes = match Format::from_name(&file_name(&output)) {
                Some(Format::Xlsx) => kasumi_ismap::xlsx_template()?,
                Some(Format::Csv) => kasumi_ismap::csv_template().into_bytes(),
                _ => bail!(
                    "the template is written as .xlsx or .csv, not {}",
                    output.display()
                ),
            };
            std::fs::write(&output, bytes)
                .with_context(|| format!("cannot write {}", output.display()))?;
            println!(
                "wrote {} (see docs/catalog-format.md for every column)",
                output.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        CatalogCommand::Import {
            file,
            id,
            title_ja,
            title_en,
            issued,
            sample,
            db,
        } => {
            let bar = steps(4);
            bar.set_message(format!("reading {}", file.display()));
            let bytes = read(&file)?;
            bar.inc(1);
            bar.set_message("checking every row");
            let csv_version = id.clone().map(|id| CatalogVersion {
                title_ja: title_ja.clone().unwrap_or_else(|| id.clone()),
                title_en: title_en.clone().unwrap_or_default(),
                issued: issued.clone().unwrap_or_default(),
                sample,
                id,
            });
            let name = file_name(&file);
            let parsed = tokio::task::spawn_blocking(move || {
                catalogs::parse_file(&name, &bytes, csv_version)
            })
            .await?;
            let mut catalog = match parsed {
                Ok(c) => c,
                Err(e) => {
                    bar.abandon_with_message("rejected: nothing was imported");
                    let lines = e.lines(console_lang());
                    eprintln!(
                        "{} は取り込めません / cannot be imported ({} problem(s)):",
                        file.display(),
                        lines.len()
                    );
                    for l in lines {
                        eprintln!("  {l}");
                    }
                    return Ok(ExitCode::FAILURE);
                }
            };
            // Flags given on the command line name the version, whatever the file says.
            let v = &mut catalog.version;
            if let Some(id) = id {
                v.id = id;
            }
            if let Some(t) = title_ja {
                v.title_ja = t;
            }
            if let Some(t) = title_en {
                v.title_en = t;
            }
            if let Some(d) = issued {
                v.issued = d;
            }
            v.sample |= sample;
            if v.id.trim().is_empty() {
                bar.abandon_with_message("rejected: nothing was imported");
                bail!("the catalog has no version id: give one with --id");
            }
            bar.inc(1);
            bar.set_message("opening the database");
            let store = db.open().await?;
            bar.inc(1);
            bar.set_message("saving in one transaction");
            catalogs::save_new(
                &store,
                &Actor::system("cli"),
                clock.now(),
                &catalog,
                &file_name(&file),
            )
            .await?;
            bar.inc(1);
            bar.finish_with_message("done");
            println!(
                "imported catalog version {} ({} items{})",
                catalog.version.id,
                catalog.items.len(),
                if catalog.version.sample {
                    ", SAMPLE"
                } else {
                    ""
                }
            );
            Ok(ExitCode::SUCCESS)
        }
        CatalogCommand::Export { id, output, db } => {
            let format = Format::from_name(&file_name(&output)).with_context(|| {
                format!(
                    "cannot tell the format of {}: use .xlsx, .csv or .json",
                    output.display()
                )
            })?;
            let store = db.open().await?;
            let catalog = load(&store, &id).await?;
            std::fs::write(&output, catalogs::export(&catalog, format)?)
                .with_context(|| format!("cannot write {}", output.display()))?;
            println!("wrote {} ({} items)", output.display(), catalog.items.len());
            Ok(ExitCode::SUCCESS)
        }
        CatalogCommand::List { db } => {
            let store = db.open().await?;
            for c in store.list_catalogs().await? {
                let sample = if c.sample { "\tSAMPLE" } else { "" };
                println!(
                    "{}\t{}\t{} items\t{}{sample}",
                    c.id, c.issued, c.item_count, c.title_ja
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        CatalogCommand::Diff { a, b, json, db } => {
            let store = db.open().await?;
            let (old, new) = (load(&store, &a).await?, load(&store, &b).await?);
            let d = kasumi_ismap::diff(&old, &new);
            if json {
                println!("{}", serde_json::to_string_pretty(&d)?);
            } else {
                println!(
                    "{a} → {b}: {} added, {} removed, {} changed",
                    d.added.len(),
                    d.removed.len(),
                    d.changed.len()
                );
                for id in &d.added {
                    println!("+ {id}");
                }
                for id in &d.removed {
                    println!("- {id}");
                }
                for c in &d.changed {
                    let fields: Vec<&str> = c.changes.iter().map(|f| f.field).collect();
                    println!("~ {} ({})", c.id, fields.join(", "));
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

async fn load(store: &kasumi_store::DynStore, id: &str) -> anyhow::Result<Catalog> {
    let (_, doc) = store.catalog(id).await?.with_context(|| {
        format!("there is no catalog version '{id}' (see `kasumi catalog list`)")
    })?;
    Ok(serde_json::from_str(&doc)?)
}

pub fn run_oscal(command: OscalCommand) -> anyhow::Result<ExitCode> {
    match command {
        OscalCommand::Resolve { profile, output } => {
            let resolved = kasumi_oscal::resolve_profile(&profile)
                .with_context(|| format!("cannot resolve {}", profile.display()))?;
            // Streamed straight from the model into a buffered writer: going
            // through a serde_json::Value and a String first gave the same
            // bytes but took about half of the whole run (copies, page faults).
            let doc = std::collections::BTreeMap::from([("catalog", &resolved)]);
            let write = |out: &mut dyn std::io::Write| -> std::io::Result<()> {
                use std::io::Write;
                let mut out = std::io::BufWriter::with_capacity(1 << 16, out);
                serde_json::to_writer_pretty(&mut out, &doc)?;
                out.write_all(b"\n")?;
                out.flush()
            };
            match output {
                Some(path) => {
                    std::fs::File::create(&path)
                        .and_then(|mut f| write(&mut f))
                        .with_context(|| format!("cannot write {}", path.display()))?;
                    eprintln!(
                        "wrote {} ({} controls)",
                        path.display(),
                        resolved.control_count()
                    );
                }
                None => write(&mut std::io::stdout().lock())?,
            }
            Ok(ExitCode::SUCCESS)
        }
        OscalCommand::Validate { catalog } => {
            let text = String::from_utf8(read(&catalog)?).context("the file is not UTF-8")?;
            let doc = match kasumi_oscal::parse::parse_catalog(&text) {
                Ok(doc) => doc,
                Err(e) => {
                    eprintln!(
                        "{}: invalid at {}: {}",
                        catalog.display(),
                        e.path,
                        e.message
                    );
                    return Ok(ExitCode::FAILURE);
                }
            };
            // Links to controls outside the catalog are normal in a resolved baseline
            // (NIST's own resolved catalogs have them): warnings, not errors.
            let (warnings, errors): (Vec<_>, Vec<_>) =
                kasumi_oscal::check::check_catalog(&doc.catalog)
                    .into_iter()
                    .partition(|p| {
                        matches!(p, kasumi_oscal::check::CatalogProblem::DanglingLink { .. })
                    });
            if !warnings.is_empty() {
                eprintln!(
                    "{}: {} link(s) to controls outside this catalog, e.g. {}",
                    catalog.display(),
                    warnings.len(),
                    warnings[0]
                );
            }
            if errors.is_empty() {
                println!(
                    "{}: valid OSCAL catalog, {} controls",
                    catalog.display(),
                    doc.catalog.control_count()
                );
                Ok(ExitCode::SUCCESS)
            } else {
                eprintln!("{}: {} problem(s):", catalog.display(), errors.len());
                for p in errors {
                    eprintln!("  {p}");
                }
                Ok(ExitCode::FAILURE)
            }
        }
    }
}
