//! Print every attacker / SOC line of a built-in scenario (for reviewing realism).
//!
//! `cargo run --release -p kasumi-range --example attack_lines -- saida-city 42 1`

use kasumi_range::{Actor, Scenario, World};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let name = args.get(1).map(String::as_str).unwrap_or("saida-city");
    let seed: u64 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(42);
    let team: u32 = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(1);
    let sc = Scenario::builtin(name).unwrap_or_else(|e| panic!("{e}"));
    let start = 1_781_744_400_000_000;
    let mut w = World::provision(&sc, seed, team, start, 7);
    w.advance_to(start + sc.duration_minutes as i64 * 60_000_000);
    for e in w.events().filter(|e| e.actor != Actor::Background) {
        println!("[{}] {}", e.source.name(), w.line(e));
    }
}
