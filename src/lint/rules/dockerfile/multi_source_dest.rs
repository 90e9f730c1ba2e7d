use crate::dockerfile::{Args, Kind};
use crate::lint::{Check, Diagnostic, Diagnostics, DockerfileCx, FixAvailability, Rule, Severity};

use super::dl_helpers::{has_variable, literal};

pub static RULE: Rule = Rule {
    code: "BL1105",
    name: "multi-source-copy-to-file",
    aliases: &["DL3021"],
    severity: Severity::Error,
    default_enabled: true,
    fix: FixAvailability::Always,
    summary: "COPY or ADD with several sources has a destination that does not end with `/`.",
    doc: r#"## What it does
Checks `COPY` and `ADD` instructions with more than one source (heredocs included): the
destination must be a directory, written with a trailing `/`.

## Why is this bad?
Docker refuses the step: "When using COPY with more than one source file, the destination must be
a directory and end with a /".

## Example
```dockerfile
FROM node:22
COPY package.json package-lock.json /app
```

Use instead:
```dockerfile
FROM node:22
COPY package.json package-lock.json /app/
```

## Fix
```dockerfile
FROM node:22
COPY package.json package-lock.json /app
```
```dockerfile fixed
FROM node:22
COPY package.json package-lock.json /app/
```

The fix appends `/` to the destination; it is safe, since the step cannot build otherwise.

## References
- hadolint DL3021 (checks COPY only)
"#,
    check: Check::Dockerfile(check),
};

fn check(cx: &DockerfileCx<'_>, out: &mut Diagnostics) {
    for inst in &cx.df.instructions {
        let inst = inst.effective();
        let ((Kind::Copy, Args::Copy(args)) | (Kind::Add, Args::Add(args))) =
            (&inst.kind, &inst.args)
        else {
            continue;
        };
        if args.sources.len() + inst.heredocs.len() < 2 {
            continue;
        }
        let Some(dest) = &args.dest else { continue };
        if has_variable(&dest.raw, cx.df.escape) {
            continue;
        }
        let text = literal(&dest.raw, cx.df.escape).unwrap_or_else(|| dest.raw.clone());
        if text.ends_with('/') || text.ends_with('\\') {
            continue;
        }
        // Insert the slash inside closing quotes, if any.
        let raw = &dest.raw;
        let fix = super::dl_helpers::raw_start(cx.df, dest).map(|start| {
            let mut at = start + raw.len() as u32;
            if raw.len() > 1 && (raw.ends_with('"') || raw.ends_with('\'')) {
                at -= 1;
            }
            crate::lint::Fix::safe(vec![crate::lint::Edit::insert(at, "/")])
        });
        out.push(
            Diagnostic::new(
                dest.span,
                format!(
                    "{} copies several sources, so the destination `{text}` must end with `/`",
                    inst.kind.name()
                ),
            )
            .help(format!("write `{text}/`"))
            .maybe_fix(fix),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::testing::{assert_fires, assert_quiet, lint};

    #[test]
    fn fires_on_several_sources() {
        assert_fires(&RULE, "FROM a\nCOPY a b /app\n", &["/app"]);
        assert_fires(&RULE, "FROM a\nADD a b c .\n", &["."]);
        assert_fires(
            &RULE,
            "FROM a\nCOPY [\"a\", \"b\", \"/dst\"]\n",
            &["\"/dst\""],
        );
    }

    #[test]
    fn fix_appends_slash_inside_quotes() {
        let src = "FROM a\nCOPY [\"a\", \"b\", \"/dst\"]\n";
        let f = lint(&RULE, src);
        let e = &f[0].fix.as_ref().unwrap().edits[0];
        let mut fixed = src.to_string();
        fixed.insert_str(e.start as usize, &e.replacement);
        assert_eq!(fixed, "FROM a\nCOPY [\"a\", \"b\", \"/dst/\"]\n");
    }

    #[test]
    fn quiet_on_one_source_or_dir_dest() {
        assert_quiet(&RULE, "FROM a\nCOPY a /app\n");
        assert_quiet(&RULE, "FROM a\nCOPY a b /app/\n");
        assert_quiet(&RULE, "FROM a\nCOPY a b $DEST\n");
    }
}
