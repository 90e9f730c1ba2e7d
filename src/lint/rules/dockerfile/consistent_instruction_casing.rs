use crate::dockerfile::{Args, Instruction, Kind};
use crate::lint::{
    Check, Diagnostic, Diagnostics, DockerfileCx, Edit, Fix, FixAvailability, Rule, Severity,
};

use super::bk::{case_of, Case};

pub static RULE: Rule = Rule {
    code: "BL1004",
    name: "consistent-instruction-casing",
    aliases: &["ConsistentInstructionCasing"],
    severity: Severity::Warning,
    default_enabled: true,
    fix: FixAvailability::Always,
    summary: "An instruction keyword does not use the case most instructions use.",
    doc: r#"## What it does
Checks that every instruction keyword is written in the same case, all upper
(`RUN`) or all lower (`run`), following the majority of the file (upper case
on a tie). A keyword in mixed case (`Run`) is always reported.

## Why is this bad?
Instructions are case-insensitive, but a file that mixes cases is harder to
read and to search.

## Example
```dockerfile
From alpine
Run echo hello > /greeting.txt
EntRYpOiNT ["cat", "/greeting.txt"]
```

Use instead:
```dockerfile
FROM alpine
RUN echo hello > /greeting.txt
ENTRYPOINT ["cat", "/greeting.txt"]
```

```dockerfile
from alpine
run echo hello > /greeting.txt
entrypoint ["cat", "/greeting.txt"]
```

## Fix
```dockerfile
FROM alpine
run echo hello
CMD ["sh"]
```
```dockerfile fixed
FROM alpine
RUN echo hello
CMD ["sh"]
```

## References
- BuildKit check `ConsistentInstructionCasing`
"#,
    check: Check::Dockerfile(check),
};

fn keywords(df: &crate::dockerfile::Dockerfile) -> Vec<&Instruction> {
    let mut out = Vec::new();
    for inst in &df.instructions {
        out.push(inst);
        if let Args::Onbuild(inner) = &inst.args {
            out.push(inner);
        }
    }
    out.retain(|i| i.kind != Kind::Unknown);
    out
}

fn check(cx: &DockerfileCx<'_>, out: &mut Diagnostics) {
    let all = keywords(cx.df);
    let (mut lower, mut upper) = (0, 0);
    for inst in &all {
        match case_of(&inst.keyword) {
            Case::Lower => lower += 1,
            Case::Upper => upper += 1,
            Case::Mixed => {}
        }
    }
    let majority_lower = lower > upper;
    for inst in all {
        let (want, name) = if majority_lower {
            (inst.keyword.to_lowercase(), "lower case")
        } else {
            (inst.keyword.to_uppercase(), "upper case")
        };
        if inst.keyword == want {
            continue;
        }
        out.push(
            Diagnostic::new(
                inst.keyword_span,
                format!(
                    "`{}` does not match the case of the other instructions ({name})",
                    inst.keyword
                ),
            )
            .help(format!("write `{want}`"))
            .fix(Fix::safe(vec![Edit::replace(inst.keyword_span, want)])),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::testing::{assert_fires, assert_quiet};

    #[test]
    fn follows_the_majority() {
        assert_fires(&RULE, "FROM alpine\nrun echo\nCMD [\"x\"]\n", &["run"]);
        assert_fires(&RULE, "from alpine\nRUN echo\ncmd [\"x\"]\n", &["RUN"]);
        // A tie goes to upper case; mixed case always fires.
        assert_fires(&RULE, "FROM alpine\nrun echo\n", &["run"]);
        assert_fires(
            &RULE,
            "From alpine\nRun echo > /g\nEntRYpOiNT [\"cat\"]\n",
            &["From", "Run", "EntRYpOiNT"],
        );
        assert_fires(&RULE, "FROM alpine\nONBUILD run make\n", &["run"]);
        assert_quiet(&RULE, "FROM alpine\nRUN x\n");
        assert_quiet(&RULE, "from alpine\nrun x\n");
    }
}
