mod browser;
mod catalog;
mod harness;
mod http;
mod i18n;
