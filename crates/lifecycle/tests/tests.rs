//! One integration-test binary for kasumi-lifecycle.
