//! One integration-test binary for kasumi-lifecycle (less linking on 2 cores).

mod audit;
mod change_audit;
mod common;
mod dates;
mod inbox;
mod lint;
mod liu;
mod refusals;
mod registration;
mod story;
