//! `kasumi ismap …`: ISMAP registration work from the console.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;
use kasumi_core::Lang;
use kasumi_ismap::Catalog;
use kasumi_lifecycle::statement::StatementContent;

use crate::DbArgs;

#[derive(Subcommand)]
pub enum IsmapCommand {
    /// Check a statement (言明書) JSON against the control criteria, as IPA would before accepting it.
    /// Prints every violation with its control id; exits 1 when there are any, 2 when the file cannot be read.
    Lint {
        /// The statement JSON (format: docs/lifecycle.md, "Statement JSON").
        statement: PathBuf,
        /// Criteria version to check against: the built-in SAMPLE catalog by default, or a version id from the database.
        #[arg(long)]
        catalog: Option<String>,
        /// Print the violations as JSON (`[{key, control?, field?, ja, en}]`) instead of text.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        db: DbArgs,
    },
}

pub async fn run(command: IsmapCommand) -> anyhow::Result<ExitCode> {
    match command {
        IsmapCommand::Lint {
            statement,
            catalog,
            json,
            db,
        } => lint(statement, catalog, json, db).await,
    }
}

async fn load_catalog(id: Option<String>, db: &DbArgs) -> anyhow::Result<Catalog> {
    let sample = kasumi_ismap::sample_catalog();
    let Some(id) = id.filter(|id| *id != sample.version.id) else {
        return Ok(sample);
    };
    let store = db.open().await?;
    let Some((_, doc)) = store.catalog(&id).await? else {
        anyhow::bail!(
            "there is no criteria version '{id}' in the database (see `kasumi catalog list`)"
        );
    };
    Ok(serde_json::from_str(&doc)?)
}

async fn lint(
    path: PathBuf,
    catalog: Option<String>,
    json: bool,
    db: DbArgs,
) -> anyhow::Result<ExitCode> {
    let lang = crate::catalog::console_lang();
    let ja = lang == Lang::Ja;
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) => {
            if ja {
                eprintln!("{} を読めません: {e}", path.display());
            } else {
                eprintln!("cannot read {}: {e}", path.display());
            }
            return Ok(ExitCode::from(2));
        }
    };
    let content: StatementContent = match serde_json::from_str(&text) {
        Ok(c) => c,
        Err(e) => {
            if ja {
                eprintln!(
                    "{} は言明書の JSON として読めません（{} 行 {} 列）: {e}",
                    path.display(),
                    e.line(),
                    e.column()
                );
            } else {
                eprintln!(
                    "{} is not a statement JSON (line {}, column {}): {e}",
                    path.display(),
                    e.line(),
                    e.column()
                );
            }
            return Ok(ExitCode::from(2));
        }
    };
    let catalog = load_catalog(catalog, &db).await?;
    let violations = kasumi_lifecycle::lint(&content, &catalog);
    if json {
        println!("{}", serde_json::to_string_pretty(&violations)?);
    } else if violations.is_empty() {
        if ja {
            println!(
                "{}: 違反はありません（管理基準 {}）。",
                path.display(),
                catalog.version.id
            );
        } else {
            println!(
                "{}: no violations (criteria {}).",
                path.display(),
                catalog.version.id
            );
        }
    } else {
        if ja {
            println!(
                "{}: 違反 {} 件（管理基準 {}）",
                path.display(),
                violations.len(),
                catalog.version.id
            );
        } else {
            println!(
                "{}: {} violation(s) (criteria {})",
                path.display(),
                violations.len(),
                catalog.version.id
            );
        }
        for v in &violations {
            let about = v.control.as_deref().or(v.field.as_deref()).unwrap_or("-");
            println!("  {about}\t{}\t{}", v.text(lang), v.key);
        }
    }
    Ok(if violations.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
