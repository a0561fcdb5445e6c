//! `kasumi range …`: the CYDER range engine from the console — check scenario
//! files, write a team's logs and ground truth, grade a recorded action file.

use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use kasumi_range::{Course, Recorded, Scenario, World, files};

#[derive(Subcommand)]
pub enum RangeCommand {
    /// List the built-in scenarios.
    List,
    /// Check scenario files; every problem is listed with file, line and key.
    Validate {
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Provision one team and write one log file per source plus ground-truth.json.
    Run {
        #[command(flatten)]
        team: TeamArgs,
        /// Stop the simulation at the exercise's `start` or run it to its `end`.
        #[arg(long, default_value = "end", value_parser = ["start", "end"])]
        until: String,
        /// Directory for the logs (created when missing).
        #[arg(long)]
        out: PathBuf,
    },
    /// Replay a team's recorded actions (JSON lines of `{"at": µs, "action": {...}}`)
    /// and print the score breakdown as JSON.
    Replay {
        #[command(flatten)]
        team: TeamArgs,
        /// The recorded actions, one JSON object per line.
        #[arg(long)]
        actions: PathBuf,
        /// The course whose rubric grades the actions: A, B-1, B-2 or C.
        #[arg(long, default_value = "B-1")]
        course: String,
    },
}

/// Which world: everything that makes a team's environment what it is.
#[derive(Args)]
pub struct TeamArgs {
    /// A built-in scenario name (see `kasumi range list`) or a scenario file.
    #[arg(long)]
    scenario: String,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Team number: each team gets its own variant of the same scenario.
    #[arg(long, default_value_t = 1)]
    team: u32,
    /// Days of history before the exercise starts.
    #[arg(long, default_value_t = 7)]
    days: u32,
    /// Exercise start, Asia/Tokyo local time (fixed by default so runs repeat exactly).
    #[arg(long, default_value = "2026-06-01T09:30")]
    start: String,
}

impl TeamArgs {
    fn scenario(&self) -> anyhow::Result<Scenario> {
        let path = Path::new(&self.scenario);
        let loaded = if Scenario::builtin_names().contains(&self.scenario.as_str()) {
            Scenario::builtin(&self.scenario)
        } else if path.exists() {
            files::load_scenario(path)
        } else {
            bail!(
                "no scenario `{}`: neither a file nor one of {}",
                self.scenario,
                Scenario::builtin_names().join(", ")
            );
        };
        loaded.map_err(|e| anyhow::anyhow!("{}", problems(&e)))
    }

    fn start(&self) -> anyhow::Result<i64> {
        let (date, time) = self.start.split_once('T').unwrap_or((&self.start, "09:30"));
        kasumi_core::tokyo_local_to_micros(date, time).with_context(|| {
            format!(
                "--start `{}` is not a local time like 2026-06-01T09:30",
                self.start
            )
        })
    }

    fn provision(&self, sc: &Scenario) -> anyhow::Result<World> {
        if self.days < sc.history_days_min {
            bail!(
                "--days {} is shorter than the {} days of history scenario `{}` needs",
                self.days,
                sc.history_days_min,
                sc.id
            );
        }
        Ok(World::provision(
            sc,
            self.seed,
            self.team,
            self.start()?,
            self.days,
        ))
    }
}

fn problems(e: &kasumi_range::ScenarioError) -> String {
    e.problems
        .iter()
        .map(|p| format!("{}:{}: {}: {}", p.file, p.line, p.key, p.message))
        .collect::<Vec<_>>()
        .join("\n")
}

fn spinner(msg: &'static str) -> ProgressBar {
    let bar = ProgressBar::new_spinner().with_message(msg);
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}

pub fn run(command: RangeCommand) -> anyhow::Result<ExitCode> {
    match command {
        RangeCommand::List => {
            for name in Scenario::builtin_names() {
                let sc = Scenario::builtin(name).map_err(|e| anyhow::anyhow!("{e}"))?;
                let courses: Vec<&str> = sc.courses.iter().map(|c| c.name()).collect();
                println!("{name}\t{}\t{}", sc.title, courses.join(","));
            }
            Ok(ExitCode::SUCCESS)
        }
        RangeCommand::Validate { files: paths } => {
            let mut failed = 0;
            for path in &paths {
                match files::load_scenario(path) {
                    Ok(sc) => println!(
                        "ok: {} ({} networks, {} hosts, {} attack steps, {} objectives)",
                        path.display(),
                        sc.networks.len(),
                        sc.hosts.len(),
                        sc.steps.len(),
                        sc.objectives.len()
                    ),
                    Err(e) => {
                        failed += 1;
                        eprintln!("{}", problems(&e));
                    }
                }
            }
            if failed > 0 {
                bail!("{failed} of {} scenario file(s) have problems", paths.len());
            }
            Ok(ExitCode::SUCCESS)
        }
        RangeCommand::Run { team, until, out } => {
            let sc = team.scenario()?;
            let bar = spinner("provisioning");
            let mut world = team.provision(&sc)?;
            if until == "end" {
                bar.set_message("simulating the exercise");
                let end = world.env().end;
                world.advance_to(end);
            }
            bar.finish_and_clear();
            let bar = ProgressBar::new(kasumi_range::Source::ALL.len() as u64);
            bar.set_style(
                ProgressStyle::with_template("[{bar:24}] {pos}/{len} {msg}")
                    .expect("the template is valid")
                    .progress_chars("=> "),
            );
            std::fs::create_dir_all(&out)
                .with_context(|| format!("cannot create {}", out.display()))?;
            let lines = files::write_logs_reporting(&world, &out, |src, _| {
                bar.set_message(src.file_name());
                bar.inc(1);
            })
            .with_context(|| format!("cannot write the logs under {}", out.display()))?;
            bar.finish_and_clear();
            println!(
                "wrote {lines} log lines and ground-truth.json to {}",
                out.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        RangeCommand::Replay {
            team,
            actions,
            course,
        } => {
            let course = Course::parse(&course)
                .with_context(|| format!("no course `{course}` (A, B-1, B-2 or C)"))?;
            let recorded = read_actions(&actions)?;
            let sc = team.scenario()?;
            team.provision(&sc)?; // checks --days before the heavier replay
            let (world, results) = World::replay(
                &sc,
                team.seed,
                team.team,
                team.start()?,
                team.days,
                &recorded,
            );
            for (i, r) in results.iter().enumerate() {
                if let Err(e) = r {
                    eprintln!("{}: action {} refused: {e}", actions.display(), i + 1);
                }
            }
            let score = world.score(world.actions(), course);
            println!("{}", serde_json::to_string_pretty(&score)?);
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Reads the action file, naming the line of anything that is not a recorded action.
fn read_actions(path: &Path) -> anyhow::Result<Vec<Recorded>> {
    let file =
        std::fs::File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut out = Vec::new();
    for (i, line) in std::io::BufReader::new(file).lines().enumerate() {
        let line = line.with_context(|| format!("cannot read {}", path.display()))?;
        if line.trim().is_empty() {
            continue;
        }
        let r: Recorded = serde_json::from_str(&line).with_context(|| {
            format!(
                "{}:{}: not an action like {{\"at\": 1780274400000000, \"action\": {{\"action\": \"isolate_host\", \"host\": \"PC-SOUMU-03\"}}}}",
                path.display(),
                i + 1
            )
        })?;
        out.push(r);
    }
    Ok(out)
}
