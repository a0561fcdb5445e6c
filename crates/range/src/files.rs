//! The only file-system code in the crate: loading scenario files and writing
//! a world's logs and ground truth to a directory. Used by the CLI.

use std::io::Write;
use std::path::Path;

use crate::event::Source;
use crate::scenario::{Problem, Scenario, ScenarioError};
use crate::world::World;

/// Read and validate a scenario file.
pub fn load_scenario(path: &Path) -> Result<Scenario, ScenarioError> {
    let name = path.display().to_string();
    match std::fs::read_to_string(path) {
        Ok(src) => Scenario::parse(&name, &src),
        Err(e) => Err(ScenarioError {
            problems: vec![Problem {
                file: name,
                line: 0,
                key: "-".into(),
                message: format!("cannot read file: {e}"),
            }],
        }),
    }
}

/// Write every log (one file per source, see [`Source::file_name`]) and
/// `ground-truth.json` under `dir`. Returns the number of event lines written
/// (the DHCP file also starts with its column header, as on Windows).
pub fn write_logs(world: &World, dir: &Path) -> std::io::Result<usize> {
    write_logs_reporting(world, dir, |_, _| {})
}

/// [`write_logs`], calling `done(source, lines)` after each source's file (for progress bars).
pub fn write_logs_reporting(
    world: &World,
    dir: &Path,
    mut done: impl FnMut(Source, usize),
) -> std::io::Result<usize> {
    let mut lines = 0;
    let mut buf = String::with_capacity(1 << 20);
    for src in Source::ALL {
        let path = dir.join(src.file_name());
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        let mut f = std::io::BufWriter::new(std::fs::File::create(&path)?);
        if src == Source::Dhcp {
            // The column header Windows writes at the top of every DhcpSrvLog file.
            f.write_all(b"ID,Date,Time,Description,IP Address,Host Name,MAC Address,User Name, TransactionID, QResult,Probationtime, CorrelationID,Dhcid,VendorClass(Hex),VendorClass(ASCII),UserClass(Hex),UserClass(ASCII),RelayAgentInformation,DnsRegError.\n")?;
        }
        let mut these = 0;
        for e in world.events().filter(|e| e.source == src) {
            buf.clear();
            world.render(e, &mut buf);
            buf.push('\n');
            f.write_all(buf.as_bytes())?;
            these += 1;
        }
        f.flush()?;
        lines += these;
        done(src, these);
    }
    let truth =
        serde_json::to_string_pretty(&world.ground_truth()).map_err(std::io::Error::other)?;
    std::fs::write(dir.join("ground-truth.json"), truth)?;
    Ok(lines)
}
