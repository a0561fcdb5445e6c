//! # kasumi-oscal
//!
//! OSCAL 1.1 catalog and profile models ([`model`]), JSON reading with
//! error paths ([`parse`]), and profile resolution ([`resolve`]).
//!
//! Start with [`resolve_profile`]: it reads a profile from disk, follows its
//! imports (through back-matter `#uuid` resources and relative paths, and
//! through other profiles recursively) and returns the resolved catalog.
//! Resolution itself never touches the file system: it goes through a
//! [`DocumentLoader`], so tests can use an in-memory [`MemoryLoader`].
//!
//! Every model struct keeps unknown JSON fields in an `extra` map, so a
//! document read and written back is equal to the original as JSON.

pub mod check;
pub mod model;
pub mod parse;
pub mod resolve;

pub use check::{CatalogProblem, check_catalog, param_inserts};
pub use model::*;
pub use parse::{
    ParseError, parse_catalog, parse_catalog_value, parse_profile, to_json_pretty, to_json_value,
};
pub use resolve::{
    DocumentLoader, FsLoader, MemoryLoader, ResolveError, find_control_mut, find_param_mut,
    glob_match, join_location, resolve_profile, resolve_profile_with,
};
