//! Nested inputs, generated: the first bytes give a depth and a width, the
//! rest a leaf. Random bytes rarely nest deeply, and deep nesting is where a
//! recursive parser or expander overflows its stack.

/// `(depth, width, leaf)` when the input asks for a generated one (it starts
/// with `0xff`); depths reach 40,000.
pub fn shape(data: &[u8]) -> Option<(usize, usize, String)> {
    let (&tag, rest) = data.split_first()?;
    if tag != 0xff || rest.len() < 3 {
        return None;
    }
    let depth = usize::from(u16::from_le_bytes([rest[0], rest[1]])) % 40_000;
    let width = usize::from(rest[2] % 8) + 1;
    let leaf = String::from_utf8_lossy(&rest[3..rest.len().min(35)]).into_owned();
    Some((depth, width, leaf))
}

/// `ENV`, `ARG`, `RUN` and `COPY` with `${a:-${a:-...}}` defaults nested
/// `depth` deep, `width` substitutions side by side at each level.
pub fn dockerfile(depth: usize, width: usize, leaf: &str) -> String {
    let mut word = leaf.replace(['}', '\n', '\\'], "");
    for _ in 0..depth {
        let side = "${b}".repeat(width - 1);
        word = format!("${{a:-{word}}}{side}");
    }
    format!("FROM scratch\nARG a\nENV C={word}\nRUN echo {word}\nCOPY {word} /x\n")
}

/// A compose file nesting block maps, flow sequences and `${...}` defaults.
pub fn compose(depth: usize, width: usize, leaf: &str) -> String {
    let depth = depth % 2_000;
    let leaf = leaf.replace(['\n', '\'', '"', '}', '\\'], "");
    let mut value = leaf.clone();
    for _ in 0..depth {
        value = format!("${{X:-{value}}}");
    }
    let mut block = String::new();
    for level in 0..depth.min(400) {
        for w in 0..width {
            if w + 1 == width {
                block.push_str(&format!("{}k{level}:\n", "  ".repeat(level + 3)));
            } else {
                block.push_str(&format!("{}s{level}_{w}: v\n", "  ".repeat(level + 3)));
            }
        }
    }
    let flow = format!("{}{}{}", "[".repeat(depth), leaf.replace([']', '['], ""), "]".repeat(depth));
    format!(
        "services:\n  web:\n    image: \"{value}\"\n    labels:\n      deep: {flow}\n    x-block:\n{block}"
    )
}

/// A `.dockerignore` with long `**` paths and nested exceptions.
pub fn dockerignore(depth: usize, width: usize, leaf: &str) -> String {
    let depth = depth % 4_000;
    let leaf = leaf.replace('\n', "");
    let mut out = String::new();
    for w in 0..width {
        let path = format!("{}/{leaf}{w}", vec!["**"; depth].join("/"));
        out.push_str(&path);
        out.push('\n');
        out.push('!');
        out.push_str(&path.replace("**", "*"));
        out.push('\n');
    }
    out
}

/// A bake file, HCL or JSON, nesting tuples, objects, parentheses,
/// function calls and template interpolations, with a chain of `width`
/// targets that inherit from one another.
pub fn bake(depth: usize, width: usize, leaf: &str, json: bool) -> String {
    let depth = depth % 2_000;
    let leaf: String = leaf.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
    if json {
        let value = format!("{}\"{leaf}\"{}", "[".repeat(depth), "]".repeat(depth));
        let object = format!("{}1{}", "{\"a\":".repeat(depth), "}".repeat(depth));
        let mut targets = Vec::new();
        for w in 0..width {
            let inherits = if w == 0 { String::new() } else { format!("\"inherits\":[\"t{}\"],", w - 1) };
            targets.push(format!(
                "\"t{w}\":{{{inherits}\"tags\":[\"x:${{V}}\"],\"args\":{{\"A\":{value},\"B\":{object}}}}}"
            ));
        }
        return format!(
            "{{\"variable\":{{\"V\":{{\"default\":\"{leaf}\"}}}},\"group\":{{\"default\":{{\"targets\":[\"t{}\"]}}}},\"target\":{{{}}}}}",
            width - 1,
            targets.join(",")
        );
    }
    let tuple = format!("{}\"{leaf}\"{}", "[".repeat(depth), "]".repeat(depth));
    let object = format!("{}1{}", "{a = ".repeat(depth), "}".repeat(depth));
    let parens = format!("{}1{}", "(".repeat(depth), ")".repeat(depth));
    let calls = format!("{}V{}", "upper(".repeat(depth), ")".repeat(depth));
    let template = format!("{}{leaf}{}", "${\"".repeat(depth), "\"}".repeat(depth));
    let mut out = format!("variable \"V\" {{\n  default = \"{leaf}\"\n}}\n");
    out.push_str(&format!("group \"default\" {{\n  targets = [\"t{}\"]\n}}\n", width - 1));
    for w in 0..width {
        let inherits = if w == 0 { String::new() } else { format!("  inherits = [\"t{}\"]\n", w - 1) };
        out.push_str(&format!(
            "target \"t{w}\" {{\n{inherits}  tags = [\"x:${{{calls}}}\"]\n  args = {{\n    A = {tuple}\n    B = {object}\n    C = {parens}\n    D = \"{template}\"\n  }}\n}}\n"
        ));
    }
    out
}
