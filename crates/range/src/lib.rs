//! # kasumi-range — the deterministic CYDER range engine
//!
//! A pure library: no clock, no threads, no network. Given a [`Scenario`],
//! a seed, a team number, the exercise start time and the number of history
//! days, [`World::provision`] builds one team's range: hosts and staff drawn
//! from (seed, team), a week of realistic background logs, and the attacker's
//! plan already played through the history. The caller then moves time with
//! [`World::advance_to`], applies defender [`Action`]s with [`World::apply`],
//! reads logs with [`World::events`] / [`World::render`], and grades with
//! [`World::score`], which replays recorded actions so the score is a pure
//! function of (scenario, seed, team, start, actions).
//!
//! Where to start reading: `scenario.rs` (the file format and validation),
//! `world.rs` (provisioning), `gen.rs` (background), `sim.rs` (attacker and
//! defender state), `render.rs` (log layouts), `score.rs` (truth and grading).
//!
//! Architecture invariant: nothing in this crate reads the system clock,
//! the OS random source or the file system, except [`files`], a small module
//! for the CLI.

pub mod action;
mod activity;
pub mod event;
pub mod files;
pub mod intern;
pub mod net;
mod render;
pub mod rng;
pub mod scenario;
pub mod score;
pub mod sim;
pub mod time;
pub mod world;

pub use action::{
    Action, ActionError, AnalysisReport, Device, LeakReport, Outcome, Recipient, Recorded,
};
pub use event::{Actor, Data, Event, HostId, Reporter, Source};
pub use render::Field;
pub use scenario::{Course, Problem, Scenario, ScenarioError};
pub use score::{GroundTruth, Score};
pub use time::Micros;
pub use world::World;
