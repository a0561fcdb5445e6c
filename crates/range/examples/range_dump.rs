//! Provision a built-in scenario and print statistics, timings and sample lines.
//!
//! `cargo run --release -p kasumi-range --example range_dump -- saida-city 42 1 7`
//! (the first argument may also be a path to a scenario `.toml` file)

use std::time::Instant;

use kasumi_range::{Scenario, Source, World};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let name = args.get(1).map(String::as_str).unwrap_or("saida-city");
    let seed: u64 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(42);
    let team: u32 = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(1);
    let days: u32 = args.get(4).and_then(|s| s.parse().ok()).unwrap_or(7);
    let sc = if name.ends_with(".toml") {
        kasumi_range::files::load_scenario(std::path::Path::new(name))
    } else {
        Scenario::builtin(name)
    };
    let sc = match sc {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    // 2026-06-18 10:00 JST (a Thursday)
    let start = 1_781_744_400_000_000;
    let t0 = Instant::now();
    let mut w = World::provision(&sc, seed, team, start, days);
    let t_prov = t0.elapsed();
    w.advance_to(start + sc.duration_minutes as i64 * 60_000_000);
    let total = w.events().count();
    let t1 = Instant::now();
    let mut buf = String::new();
    let mut bytes = 0usize;
    for e in w.events() {
        buf.clear();
        w.render(e, &mut buf);
        bytes += buf.len() + 1;
    }
    let t_render = t1.elapsed();
    println!("scenario {name} seed {seed} team {team} history {days} days");
    println!(
        "size_of::<Event>() = {} bytes",
        std::mem::size_of::<kasumi_range::Event>()
    );
    println!(
        "events {total}, provision {:?}, render {:?} ({} MB of text)",
        t_prov,
        t_render,
        bytes / 1_000_000
    );
    for src in Source::ALL {
        let evs: Vec<_> = w.events().filter(|e| e.source == src).collect();
        println!("--- {} ({} lines)", src.file_name(), evs.len());
        for e in evs
            .iter()
            .filter(|e| e.actor == kasumi_range::Actor::Attacker || e.source == Source::Alert)
            .take(3)
        {
            println!("A {}", w.line(e));
        }
        for e in evs.iter().take(2) {
            println!("  {}", w.line(e));
        }
    }
    println!(
        "{}",
        serde_json::to_string_pretty(&w.ground_truth().timeline).unwrap()
    );
}
