//! Turning what a source delivers into rows the raw layer accepts.

pub mod normalise;
