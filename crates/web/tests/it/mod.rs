mod audit;
mod browser;
mod catalog;
mod exercise;
mod harness;
mod http;
mod i18n;
mod registry;
