//! Synthetic source (in progress).
