//! The emulator driven by the real AWS SDK for Rust over HTTP: every operation and rule.

mod harness;

mod auth;
mod control;
mod ec2;
mod faults;
mod iam;
mod iam_policies;
mod iam_rules;
mod iam_scale;
mod iam_updates;
mod license_manager;
mod mpa;
mod organizations;
mod sts;
