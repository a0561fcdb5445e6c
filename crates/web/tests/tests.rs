//! Integration tests of the web application against a real server on a
//! loopback port and a real SQLite database; the browser test drives Chromium.

mod it;
