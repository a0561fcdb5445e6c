//! One integration-test binary for kasumi-oscal (less linking on 2 cores).

mod nist;
mod resolve_unit;
