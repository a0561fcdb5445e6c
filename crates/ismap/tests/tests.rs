//! One integration-test binary for kasumi-ismap.
