//! BigQuery source (in progress).
