//! BuildKit's word processing (`shell/lex.go` semantics): variable expansion,
//! escapes and quote removal, and word splitting.
