//! guidesite compiles onboarding guides (Markdown with YAML front matter) into a
//! checked static help site, embeddable fragments and a manifest for the portal.
//!
//! Data flows one way: [`config`] → [`content`] → [`render`] → [`validate`] →
//! [`site`], wired once in [`pipeline`], which [`build`], [`check`] and
//! [`serve`] drive; [`report`] prints for all of them. The binary is a thin
//! shell over those.

pub mod build;
pub mod check;
pub mod cli;
pub mod config;
pub mod content;
pub mod diag;
pub mod email_domains;
mod error;
mod hash;
pub mod links;
pub mod pipeline;
pub mod render;
pub mod report;
pub mod scaffold;
pub mod serve;
pub mod site;
pub mod site_root;
pub mod svg;
pub mod validate;
mod yaml;

pub use build::{BuildOptions, BuildReport, build};
pub use check::{CheckOptions, CheckReport, check};
pub use error::Error;
