//! One integration-test binary for kasumi-ismap (less linking on 2 cores).

mod diff;
mod ids;
mod import_errors;
mod nist;
mod round_trip;
mod sample;
mod search;
