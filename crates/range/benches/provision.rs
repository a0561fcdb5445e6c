//! Times provisioning one team of each built-in scenario with 7 days of
//! history, and rendering every line; reports events per second and memory.
//!
//! Run: `cargo bench -p kasumi-range --bench provision`
//! (`taskset -c 0 …` to pin it to one core; the engine is single-threaded anyway).
//! Env: `KASUMI_BENCH_ITERS` (default 5).
//!
//! Besides the `BENCH name=… median_ms=…` lines of `measure`, each scenario
//! prints one `RANGE scenario=… events=… events_per_s=… peak_mb=…` line for
//! `bench/range-vs-nasim.sh`.

use kasumi_range::{Scenario, World};
use kasumi_testkit::{bench_iters, measure};

/// 2026-06-18 10:00 JST, the start used by the examples and tests.
const START: i64 = 1_781_744_400_000_000;
const SEED: u64 = 1;
const TEAM: u32 = 1;
const DAYS: u32 = 7;

/// A `kB` field of `/proc/self/status` in MB (Linux only; `None` elsewhere).
fn status_mb(field: &str) -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    let kb: f64 = line[field.len()..]
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kb / 1024.0)
}

/// Resets the process's peak RSS to its current RSS, so the next peak is
/// this team's alone (writing 5 to clear_refs; Linux ≥ 4.0).
fn reset_peak() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// The whole team: history generated, the exercise simulated to its end,
/// every event sorted and visible.
fn provision(sc: &Scenario) -> World {
    let mut w = World::provision(sc, SEED, TEAM, START, DAYS);
    w.advance_to(START + i64::from(sc.duration_minutes) * 60_000_000);
    w
}

fn main() {
    let iters = bench_iters(5);
    for name in Scenario::builtin_names() {
        let sc = Scenario::builtin(name).expect("built-in scenario");

        // Memory first, on a quiet heap: RSS growth and peak while one team is built.
        let peak_reset = reset_peak();
        let rss_before = status_mb("VmRSS:").unwrap_or(f64::NAN);
        let w = provision(&sc);
        let events = w.events().count();
        let rss_after = status_mb("VmRSS:").unwrap_or(f64::NAN);
        let peak = status_mb("VmHWM:").unwrap_or(f64::NAN);
        drop(w);
        // What is ready to query when the exercise starts (history only).
        let at_start = World::provision(&sc, SEED, TEAM, START, DAYS)
            .events()
            .count();

        measure(&format!("{name}-provision-history"), iters, || {
            World::provision(&sc, SEED, TEAM, START, DAYS)
                .events()
                .count()
        });
        let ms = measure(&format!("{name}-provision"), iters, || {
            provision(&sc).events().count()
        });
        let mut bytes = 0usize;
        let ms_render = measure(&format!("{name}-provision+render"), iters, || {
            let w = provision(&sc);
            // One reused buffer, as a log writer would use: formatting cost, not allocation.
            let mut buf = String::with_capacity(512);
            bytes = 0;
            for e in w.events() {
                buf.clear();
                w.render(e, &mut buf);
                bytes += buf.len() + 1;
            }
            bytes
        });
        let per_s = events as f64 / (ms / 1000.0);
        let per_s_render = events as f64 / (ms_render / 1000.0);
        println!(
            "  {name}: {events} events ({at_start} of history visible at the start), \
             {:.0} events/s provisioned, {:.0} events/s provisioned and rendered ({} MB of text)",
            per_s,
            per_s_render,
            bytes / 1_000_000
        );
        println!(
            "  {name}: RSS grew {:.0} MB while one team was provisioned; peak RSS {:.0} MB{}",
            rss_after - rss_before,
            peak,
            if peak_reset {
                " (peak reset before this team)"
            } else {
                " (process peak: clear_refs not writable)"
            }
        );
        println!(
            "RANGE scenario={name} events={events} history_events={at_start} provision_ms={ms:.3} \
             render_ms={ms_render:.3} events_per_s={per_s:.0} events_per_s_render={per_s_render:.0} \
             rss_growth_mb={:.1} peak_mb={peak:.1}",
            rss_after - rss_before
        );
    }
}
