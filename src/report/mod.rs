//! Output formats for findings: one file per format.
