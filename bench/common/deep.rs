//! The nested shapes of each input form, as deep as asked, for the deep
//! nesting test (`tests/deep_nesting.rs`) and the stack bench
//! (`bench/stack_depth.rs`).

#![allow(dead_code)]

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Form {
    /// Block mappings in a compose file.
    ComposeBlock,
    /// Flow sequences in a compose file.
    ComposeFlow,
    /// `${X:-${X:-...}}` in a compose value.
    ComposeInterpolation,
    /// Tuples in a bake HCL attribute.
    BakeHcl,
    /// Arrays in a bake JSON file.
    BakeJson,
    /// `${a:-${a:-...}}` in a Dockerfile.
    DockerfileDefaults,
    /// Arrays in a Dockerfile exec form.
    DockerfileJson,
}

pub const FORMS: [Form; 7] = [
    Form::ComposeBlock,
    Form::ComposeFlow,
    Form::ComposeInterpolation,
    Form::BakeHcl,
    Form::BakeJson,
    Form::DockerfileDefaults,
    Form::DockerfileJson,
];

impl Form {
    /// The deepest nesting accepted (counting every collection or
    /// substitution, the file's outermost included).
    pub fn limit(self) -> usize {
        match self {
            // compose::yaml::MAX_DEPTH
            Form::ComposeBlock | Form::ComposeFlow => 256,
            // compose::interpolate::MAX_NESTING
            Form::ComposeInterpolation => 100,
            // hcl-edit's nesting limit.
            Form::BakeHcl => 64,
            // serde_json's recursion limit.
            Form::BakeJson => 127,
            // dockerfile::expand::MAX_NESTING
            Form::DockerfileDefaults => 10_000,
            // Go's encoding/json limit; deeper is not JSON, so shell form.
            Form::DockerfileJson => 10_000,
        }
    }

    pub fn file_name(self) -> &'static str {
        match self {
            Form::ComposeBlock | Form::ComposeFlow | Form::ComposeInterpolation => "compose.yaml",
            Form::BakeHcl => "docker-bake.hcl",
            Form::BakeJson => "docker-bake.json",
            Form::DockerfileDefaults | Form::DockerfileJson => "Dockerfile",
        }
    }

    /// The file, nested `depth` deep.
    pub fn text(self, depth: usize) -> String {
        let service = "services:\n  web:\n    image: busybox\n";
        match self {
            Form::ComposeBlock => {
                // The top-level mapping is the first level.
                let mut t = format!("{service}x-deep:\n");
                for level in 1..depth.max(2) {
                    t.push_str(&format!("{}k{level}:\n", "  ".repeat(level)));
                }
                t + &"  ".repeat(depth.max(2)) + "leaf\n"
            }
            Form::ComposeFlow => {
                let n = depth.max(2) - 1;
                format!("{service}x-deep: {}x{}\n", "[".repeat(n), "]".repeat(n))
            }
            Form::ComposeInterpolation => format!(
                "services:\n  web:\n    image: \"{}busybox{}\"\n",
                "${X:-".repeat(depth),
                "}".repeat(depth)
            ),
            Form::BakeHcl => format!(
                // The block and the object are the first two levels.
                "target \"t\" {{\n  args = {{\n    A = {}1{}\n  }}\n}}\n",
                "[".repeat(depth.max(3) - 2),
                "]".repeat(depth.max(3) - 2)
            ),
            Form::BakeJson => {
                // `{"target": {"t": {"args": {"A": ...}}}}`: four objects.
                let n = depth.max(5) - 4;
                format!(
                    "{{\"target\": {{\"t\": {{\"args\": {{\"A\": {}\"x\"{}}}}}}}}}\n",
                    "[".repeat(n),
                    "]".repeat(n)
                )
            }
            Form::DockerfileDefaults => format!(
                "FROM scratch\nARG a\nENV C={}x{}\n",
                "${a:-".repeat(depth),
                "}".repeat(depth)
            ),
            Form::DockerfileJson => format!(
                "FROM scratch\nCMD {}\"x\"{}\n",
                "[".repeat(depth),
                "]".repeat(depth)
            ),
        }
    }

    /// Whether `check`'s output refuses the nesting by name; `None` where
    /// `check` shows no refusal (a Dockerfile's deeper substitution is
    /// refused when a build expands it; an exec form deeper than Go's JSON
    /// limit is not JSON, so it is the shell form, as BuildKit reads it).
    pub fn refused(self, output: &str) -> Option<bool> {
        Some(match self {
            Form::ComposeBlock | Form::ComposeFlow => output.contains("deeper than 256 levels"),
            Form::ComposeInterpolation => output.contains("nested more than 100 levels"),
            Form::BakeHcl => output.contains("nesting depth"),
            Form::BakeJson => output.contains("recursion limit exceeded"),
            Form::DockerfileDefaults | Form::DockerfileJson => return None,
        })
    }
}
