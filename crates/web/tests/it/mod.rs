mod browser;
mod harness;
mod http;
mod i18n;
