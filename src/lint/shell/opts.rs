//! Command-line options of the programs rules look at, parsed the GNU way:
//! `-abc` clusters, `-o value` / `-ovalue`, `--long`, `--long=value`,
//! `--long value` for options known to take a value, `--` ends options.

use super::words::{Command, Word};

// Defined here, not in `words`, so that words know nothing of option tables.
impl Command {
    /// Parses the arguments with an option table.
    pub fn opts(&self, spec: &OptSpec) -> ParsedOpts<'_> {
        ParsedOpts::parse(self.args(), spec)
    }
}

/// Which options take a value, for one program.
#[derive(Clone, Copy, Debug, Default)]
pub struct OptSpec {
    /// Short options that take a value (`"otc"` for apt-get's `-o`, `-t`, `-c`).
    pub short_with_value: &'static str,
    /// Long options that take a value (without the leading dashes).
    pub long_with_value: &'static [&'static str],
}

impl OptSpec {
    pub const NONE: OptSpec = OptSpec {
        short_with_value: "",
        long_with_value: &[],
    };
}

/// The value of an option.
#[derive(Clone, Copy, Debug)]
pub enum OptValue<'a> {
    /// `--name=value` or `-ovalue`.
    Inline(&'a str),
    /// `--name value` or `-o value`: the next word.
    Next(&'a Word),
}

impl<'a> OptValue<'a> {
    pub fn as_str(&self) -> &'a str {
        match self {
            OptValue::Inline(s) => s,
            OptValue::Next(w) => &w.value,
        }
    }
}

/// One option occurrence.
#[derive(Clone, Debug)]
pub struct Opt<'a> {
    /// One character for a short option, the name before `=` for a long one.
    pub name: &'a str,
    pub long: bool,
    /// The word the option is written in.
    pub word: &'a Word,
    pub value: Option<OptValue<'a>>,
}

/// A command's arguments split into options and operands.
#[derive(Clone, Debug, Default)]
pub struct ParsedOpts<'a> {
    pub opts: Vec<Opt<'a>>,
    pub positionals: Vec<&'a Word>,
}

impl<'a> ParsedOpts<'a> {
    pub fn parse(args: &'a [Word], spec: &OptSpec) -> ParsedOpts<'a> {
        let mut out = ParsedOpts::default();
        let mut i = 0;
        let mut only_operands = false;
        while i < args.len() {
            let word = &args[i];
            i += 1;
            let v = word.value.as_str();
            if only_operands || v == "-" || !v.starts_with('-') {
                out.positionals.push(word);
                continue;
            }
            if v == "--" {
                only_operands = true;
                continue;
            }
            if let Some(long) = v.strip_prefix("--") {
                let (name, inline) = match long.split_once('=') {
                    Some((n, val)) => (n, Some(OptValue::Inline(val))),
                    None => (long, None),
                };
                let value = match inline {
                    Some(v) => Some(v),
                    None if spec.long_with_value.contains(&name) => {
                        let next = args.get(i).map(OptValue::Next);
                        if next.is_some() {
                            i += 1;
                        }
                        next
                    }
                    None => None,
                };
                out.opts.push(Opt {
                    name,
                    long: true,
                    word,
                    value,
                });
                continue;
            }
            let cluster = &v[1..];
            for (at, ch) in cluster.char_indices() {
                let name = &cluster[at..at + ch.len_utf8()];
                if spec.short_with_value.contains(ch) {
                    let rest = &cluster[at + ch.len_utf8()..];
                    let value = if !rest.is_empty() {
                        Some(OptValue::Inline(rest))
                    } else {
                        let next = args.get(i).map(OptValue::Next);
                        if next.is_some() {
                            i += 1;
                        }
                        next
                    };
                    out.opts.push(Opt {
                        name,
                        long: false,
                        word,
                        value,
                    });
                    break;
                }
                out.opts.push(Opt {
                    name,
                    long: false,
                    word,
                    value: None,
                });
            }
        }
        out
    }

    /// True when any of `names` (short letters or long names) is given.
    pub fn has(&self, names: &[&str]) -> bool {
        self.opts.iter().any(|o| names.contains(&o.name))
    }

    /// The first option named one of `names`.
    pub fn get(&self, names: &[&str]) -> Option<&Opt<'a>> {
        self.opts.iter().find(|o| names.contains(&o.name))
    }

    /// Values of every occurrence of the options named `names`.
    pub fn values(&self, names: &[&str]) -> impl Iterator<Item = &'a str> + '_ {
        let names: Vec<String> = names.iter().map(|s| s.to_string()).collect();
        self.opts
            .iter()
            .filter(move |o| names.iter().any(|n| n == o.name))
            .filter_map(|o| o.value.map(|v| v.as_str()))
    }

    /// The first operand (a subcommand such as `install`).
    pub fn subcommand(&self) -> Option<&'a Word> {
        self.positionals.first().copied()
    }

    /// Operands after the first (the subcommand's arguments).
    pub fn operands_after_subcommand(&self) -> &[&'a Word] {
        self.positionals.get(1..).unwrap_or(&[])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::span::Span;

    fn words(s: &str) -> Vec<Word> {
        s.split_whitespace()
            .map(|w| Word {
                raw: w.to_string(),
                value: w.to_string(),
                literal: true,
                range: 0..0,
                span: Span::default(),
            })
            .collect()
    }

    #[test]
    fn clusters_values_and_operands() {
        let args = words("-qy -o Dpkg::Options=x --target-release=bookworm install --no-install-recommends curl -- -weird");
        let spec = OptSpec {
            short_with_value: "otc",
            long_with_value: &["target-release"],
        };
        let p = ParsedOpts::parse(&args, &spec);
        assert!(p.has(&["y"]) && p.has(&["q"]) && p.has(&["no-install-recommends"]));
        assert_eq!(p.values(&["o"]).collect::<Vec<_>>(), ["Dpkg::Options=x"]);
        assert_eq!(
            p.values(&["target-release"]).collect::<Vec<_>>(),
            ["bookworm"]
        );
        let ops: Vec<&str> = p.positionals.iter().map(|w| w.value.as_str()).collect();
        assert_eq!(ops, ["install", "curl", "-weird"]);
        assert_eq!(p.subcommand().map(|w| w.value.as_str()), Some("install"));
    }

    #[test]
    fn long_option_with_separate_value() {
        let args = words("install -t bookworm-backports --virtual .deps curl");
        let spec = OptSpec {
            short_with_value: "t",
            long_with_value: &["virtual"],
        };
        let p = ParsedOpts::parse(&args, &spec);
        let ops: Vec<&str> = p.positionals.iter().map(|w| w.value.as_str()).collect();
        assert_eq!(ops, ["install", "curl"]);
    }
}
