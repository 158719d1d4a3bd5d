//! Safe wrappers, one file per pipeline family. Each declares the signature it
//! expects of its archive (checked against the archive's metadata on first
//! use) and validates arguments before calling through [`crate::ffi`].

pub mod add;
pub mod demosaic;
