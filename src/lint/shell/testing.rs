//! Test support for shell rules.
