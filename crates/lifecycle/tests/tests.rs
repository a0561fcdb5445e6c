//! One integration-test binary for kasumi-lifecycle (less linking on 2 cores).

mod common;
mod dates;
mod lint;
mod refusals;
mod story;
