//! # kasumi-logsearch — per-team log store and query language
//!
//! A pure library (no I/O, no clock, no threads) that indexes one team's
//! logs and answers queries written in the language described in
//! `docs/query-language.md`:
//!
//! ```text
//! source:proxy domain:*.bad.example NOT status:200 time:>=2026-06-18T09:00 | count by host
//! ```
//!
//! * [`Index`] holds records ([`Record`]: time, source, named [`Value`]s and
//!   the rendered line) in time order, so a record's id is its rank in time
//!   and a time range is a binary search. Records are appended as the
//!   simulated clock advances ([`Index::push`]).
//! * Per field: a dictionary of string values (ASCII-lower-cased) with
//!   posting lists, and sorted columns of numbers and IPv4 addresses
//!   (exact values, comparisons, ranges and CIDR blocks are binary searches).
//! * Free text: a dictionary of the words of every line (ASCII words
//!   lower-cased, CJK text as character bigrams) narrows candidates; phrases
//!   are then confirmed against the line.
//! * Queries evaluate to a [`Bits`] set over record ids; results come with a
//!   total, a page in the chosen [`Sort`] order, a [`Histogram`], an
//!   [`Aggregation`] and CSV export.
//!
//! [`world`] feeds a `kasumi_range::World` into an index; the core knows
//! nothing about the range.
//!
//! Where to start reading: `query.rs` (grammar and errors), `index.rs`
//! (storage and evaluation), `search.rs` (results).

pub mod bits;
mod index;
pub mod query;
mod search;
pub mod text;
pub mod world;

pub use bits::Bits;
pub use index::{AppendError, Index, Record, Value};
pub use query::{Agg, ErrorKind, Expr, ParseError, Query, parse};
pub use search::{AggRow, Aggregation, Histogram, Hit, SearchOptions, SearchResult, Sort};
