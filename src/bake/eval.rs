//! Evaluating parsed bake files: variables (defaults, environment
//! overrides, references between them), functions, and target and group
//! blocks (matrices expanded) into a [`Config`].

use std::collections::{BTreeMap, HashSet};

use hcl::eval::{Context, ErrorKind, Evaluate};
use hcl::expr::Expression;
use hcl::Value;

use super::model::{
    attr_kind, AttrKind, AttrValue, Config, Group, KeySpan, Problem, ProblemKind, Target,
    TARGET_META_ATTRS,
};
use super::parse::{RawAttr, RawBlock, RawFile};
use super::stdlib;

/// Built-in variables buildx defines before the files' own.
fn builtin_vars() -> Vec<(&'static str, Value)> {
    vec![
        ("BAKE_CMD_CONTEXT", Value::String("cwd".into())),
        (
            "BAKE_LOCAL_PLATFORM",
            Value::String(format!("linux/{}", local_arch())),
        ),
    ]
}

fn local_arch() -> &'static str {
    match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "arm" => "arm",
        "s390x" => "s390x",
        "powerpc64" => "ppc64le",
        "riscv64" => "riscv64",
        other => other,
    }
}

/// User `function` blocks (`params`, `variadic_params`, `result`). hcl-rs
/// calls functions through plain `fn` pointers, so each user function is
/// served by one of a fixed set of trampolines (`call::<N>`) that finds its
/// definition, and the global variables its body sees, in a table of the
/// evaluating thread.
mod user_funcs {
    use std::cell::{Cell, RefCell};

    use hcl::eval::{Context, Evaluate, Func, FuncArgs};
    use hcl::expr::Expression;
    use hcl::Value;

    #[derive(Clone)]
    pub struct UserFunc {
        pub params: Vec<String>,
        pub variadic: Option<String>,
        pub result: Expression,
    }

    thread_local! {
        static FUNCS: RefCell<Vec<UserFunc>> = const { RefCell::new(Vec::new()) };
        static GLOBALS: RefCell<Option<Context<'static>>> = const { RefCell::new(None) };
        static DEPTH: Cell<usize> = const { Cell::new(0) };
    }

    /// Nested calls deeper than this are a function calling itself.
    const MAX_DEPTH: usize = 64;

    fn call<const N: usize>(args: FuncArgs) -> Result<Value, String> {
        let Some(f) = FUNCS.with(|f| f.borrow().get(N).cloned()) else {
            return Err("no such function".into());
        };
        let mut ctx = GLOBALS.with(|g| g.borrow().clone()).unwrap_or_default();
        for (p, v) in f.params.iter().zip(args.iter()) {
            ctx.declare_var(p.as_str(), v.clone());
        }
        if let Some(rest) = &f.variadic {
            let extra: Vec<Value> = args.iter().skip(f.params.len()).cloned().collect();
            ctx.declare_var(rest.as_str(), Value::Array(extra));
        }
        let depth = DEPTH.with(|d| d.get());
        if depth >= MAX_DEPTH {
            return Err("functions call each other without end".into());
        }
        DEPTH.with(|d| d.set(depth + 1));
        let out = f.result.evaluate(&ctx).map_err(|e| e.to_string());
        DEPTH.with(|d| d.set(depth));
        out
    }

    macro_rules! trampolines {
        ($($n:literal)*) => { [$(call::<$n> as Func,)*] };
    }

    /// One per user function a bake definition may declare.
    pub const TRAMPOLINES: [Func; 64] = trampolines!(
        0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31
        32 33 34 35 36 37 38 39 40 41 42 43 44 45 46 47 48 49 50 51 52 53 54 55 56 57 58 59 60
        61 62 63
    );

    /// Makes `funcs` the functions of this thread's evaluation.
    pub fn install(funcs: Vec<UserFunc>) {
        FUNCS.with(|f| *f.borrow_mut() = funcs);
        DEPTH.with(|d| d.set(0));
    }

    /// The variables function bodies see from now on.
    pub fn set_globals(ctx: &Context<'static>) {
        GLOBALS.with(|g| *g.borrow_mut() = Some(ctx.clone()));
    }

    /// Forgets this thread's functions and globals.
    pub fn clear() {
        FUNCS.with(|f| f.borrow_mut().clear());
        GLOBALS.with(|g| *g.borrow_mut() = None);
    }
}

/// A function block's parameter names: `params = [a, b]` (bare names) or
/// `["a", "b"]` (strings, as in JSON files).
fn param_names(expr: &Expression) -> Option<Vec<String>> {
    match expr {
        Expression::Array(items) => items.iter().map(param_name).collect(),
        _ => None,
    }
}

fn param_name(expr: &Expression) -> Option<String> {
    match expr {
        Expression::Variable(v) => Some(v.to_string()),
        Expression::String(s) => Some(s.clone()),
        Expression::TemplateExpr(t) => match t.as_ref() {
            hcl::expr::TemplateExpr::QuotedString(s) => Some(s.clone()),
            hcl::expr::TemplateExpr::Heredoc(h) => Some(h.template.clone()),
        },
        _ => None,
    }
}

/// More targets than any real bake file has; a bigger matrix is a mistake
/// (or a bomb), reported instead of expanded.
const MAX_COMBINATIONS: usize = 10_000;

struct Var<'f> {
    name: String,
    at: KeySpan,
    default: Option<&'f Expression>,
    /// `variable` blocks take environment overrides; top-level attributes
    /// do not.
    overridable: bool,
    block: Option<&'f RawBlock>,
}

pub struct Evaluator<'e> {
    env: &'e BTreeMap<String, String>,
    pub problems: Vec<Problem>,
    base: Context<'static>,
    /// Names of `function` blocks.
    user_functions: HashSet<String>,
    reported: HashSet<(String, ProblemKind)>,
}

impl<'e> Evaluator<'e> {
    pub fn new(env: &'e BTreeMap<String, String>) -> Self {
        let mut base = Context::new();
        stdlib::declare(&mut base);
        for (name, value) in builtin_vars() {
            base.declare_var(name, value);
        }
        Evaluator {
            env,
            problems: Vec::new(),
            base,
            user_functions: HashSet::new(),
            reported: HashSet::new(),
        }
    }

    fn problem(&mut self, kind: ProblemKind, at: KeySpan, message: String) {
        self.problems.push(Problem { kind, at, message });
    }

    /// Evaluates `expr`, reporting a failure at `at`.
    fn eval(&mut self, ctx: &Context, expr: &Expression, at: KeySpan) -> Option<Value> {
        match expr.evaluate(ctx) {
            Ok(v) => Some(v),
            Err(e) => {
                let (kind, message) = match e.kind() {
                    ErrorKind::UndefinedVar(v) => (
                        ProblemKind::UndefinedVariable,
                        format!("variable `{v}` is not defined"),
                    ),
                    ErrorKind::UndefinedFunc(f) => {
                        let name = f.to_string();
                        if stdlib::BUILDX_FUNCTIONS.contains(&name.as_str())
                            || self.user_functions.contains(&name)
                        {
                            (
                                ProblemKind::UnsupportedFunction,
                                format!("function `{name}` is not evaluated by buildlint; the value is left out"),
                            )
                        } else {
                            (
                                ProblemKind::UnknownFunction,
                                format!("function `{name}` is not defined (not a buildx function, and no `function` block names it)"),
                            )
                        }
                    }
                    other => (
                        ProblemKind::AttributeType,
                        format!("the expression does not evaluate: {other}"),
                    ),
                };
                if self
                    .reported
                    .insert((format!("{}:{}:{message}", at.file, at.span.start), kind))
                {
                    self.problem(kind, at, message);
                }
                None
            }
        }
    }

    /// Evaluates all files into targets and groups.
    pub fn run(&mut self, files: &[RawFile]) -> Config {
        let mut vars: Vec<Var> = Vec::new();
        let mut target_blocks: Vec<(usize, &RawBlock)> = Vec::new();
        let mut group_blocks: Vec<(usize, &RawBlock)> = Vec::new();
        let mut funcs: Vec<user_funcs::UserFunc> = Vec::new();
        for (file, raw) in files.iter().enumerate() {
            for attr in &raw.attrs {
                vars.push(Var {
                    name: attr.name.clone(),
                    at: KeySpan {
                        file,
                        span: attr.key,
                    },
                    default: Some(&attr.expr),
                    overridable: false,
                    block: None,
                });
            }
            for block in &raw.blocks {
                let at = KeySpan {
                    file,
                    span: block.label_span(),
                };
                if !matches!(
                    block.kind.as_str(),
                    "target" | "group" | "variable" | "function"
                ) {
                    self.problem(
                        ProblemKind::UnknownBlock,
                        KeySpan { file, span: block.kind_span },
                        format!(
                            "unknown block type `{}` (bake knows target, group, variable and function)",
                            block.kind
                        ),
                    );
                    continue;
                }
                if block.labels.len() != 1 {
                    self.problem(
                        ProblemKind::UnknownBlock,
                        at,
                        format!("a `{}` block takes exactly one label", block.kind),
                    );
                    continue;
                }
                let label = block.labels[0].0.clone();
                match block.kind.as_str() {
                    "variable" => {
                        self.check_attrs(
                            file,
                            block,
                            &["default", "description", "type"],
                            &["validation"],
                        );
                        vars.push(Var {
                            name: label,
                            at,
                            default: block.attr("default").map(|a| &a.expr),
                            overridable: true,
                            block: Some(block),
                        });
                    }
                    "function" => {
                        self.check_attrs(
                            file,
                            block,
                            &["params", "variadic_params", "result"],
                            &[],
                        );
                        self.declare_function(file, block, label, &mut funcs);
                    }
                    "target" => target_blocks.push((file, block)),
                    _ => group_blocks.push((file, block)),
                }
            }
        }
        user_funcs::install(funcs);
        let ctx = self.resolve_vars(&vars);
        user_funcs::set_globals(&ctx);
        self.validate_vars(&vars, &ctx);

        let mut config = Config::default();
        for (file, block) in group_blocks {
            self.check_attrs(file, block, &["targets", "description"], &[]);
            if let Some(group) = self.group(&ctx, file, block) {
                // A later block of the same name replaces the group.
                config.groups.retain(|g| g.name != group.name);
                config.groups.push(group);
            }
        }
        // The names each label's blocks produced, over all files (buildx's
        // `Renamed`): a label whose blocks produced other names than itself
        // (a matrix, `name`) becomes a group of them.
        let mut renamed: Vec<(String, KeySpan, Vec<String>)> = Vec::new();
        for (file, block) in target_blocks {
            let mut allowed: Vec<&str> =
                super::model::TARGET_ATTRS.iter().map(|(n, _)| *n).collect();
            allowed.extend(TARGET_META_ATTRS);
            allowed.push("inherits");
            self.check_attrs(file, block, &allowed, &[]);
            let label = block.labels[0].0.clone();
            let at = KeySpan {
                file,
                span: block.label_span(),
            };
            if !valid_target_name(&label) {
                self.problem(
                    ProblemKind::Matrix,
                    at,
                    format!(
                        "target name {label:?} is invalid: names are letters, digits, `_` and `-`"
                    ),
                );
                continue;
            }
            let expanded = self.targets(&ctx, file, block);
            let names: Vec<String> = expanded.iter().map(|t| t.name.clone()).collect();
            for t in expanded {
                match config.targets.iter_mut().find(|have| have.name == t.name) {
                    Some(have) => have.merge(&t),
                    None => config.targets.push(t),
                }
            }
            match renamed.iter_mut().find(|(l, _, _)| *l == label) {
                Some((_, _, have)) => {
                    for n in names {
                        if !have.contains(&n) {
                            have.push(n);
                        }
                    }
                }
                None => renamed.push((label, at, names)),
            }
        }
        for (label, at, names) in renamed {
            if names.is_empty() || (names.len() == 1 && names[0] == label) {
                continue;
            }
            config.groups.retain(|g| g.name != label);
            config.groups.push(Group {
                name: label,
                at,
                description: None,
                targets: names.into_iter().map(|n| (n, at)).collect(),
            });
        }
        user_funcs::clear();
        config
    }

    /// Declares a `function` block for the expressions to call (a later
    /// block of the same name replaces an earlier one).
    fn declare_function(
        &mut self,
        file: usize,
        block: &RawBlock,
        name: String,
        funcs: &mut Vec<user_funcs::UserFunc>,
    ) {
        use hcl::eval::{FuncDef, ParamType};
        let at = KeySpan {
            file,
            span: block.label_span(),
        };
        self.user_functions.insert(name.clone());
        let params = match block.attr("params").map(|a| param_names(&a.expr)) {
            Some(Some(p)) => p,
            Some(None) => {
                self.problem(
                    ProblemKind::AttributeType,
                    at,
                    format!("`params` of function `{name}` must be a list of names"),
                );
                return;
            }
            None => Vec::new(),
        };
        let variadic = block
            .attr("variadic_params")
            .and_then(|a| param_name(&a.expr));
        let Some(result) = block.attr("result") else {
            self.problem(
                ProblemKind::AttributeType,
                at,
                format!("function `{name}` has no `result`"),
            );
            return;
        };
        let index = funcs.len();
        let Some(trampoline) = user_funcs::TRAMPOLINES.get(index) else {
            self.problem(
                ProblemKind::UnsupportedFunction,
                at,
                format!(
                    "more than {} functions: `{name}` is not evaluated",
                    user_funcs::TRAMPOLINES.len()
                ),
            );
            return;
        };
        let mut def = FuncDef::builder().params(vec![ParamType::Any; params.len()]);
        if variadic.is_some() {
            def = def.variadic_param(ParamType::Any);
        }
        self.base
            .declare_func(name.as_str(), def.build(*trampoline));
        funcs.push(user_funcs::UserFunc {
            params,
            variadic,
            result: result.expr.clone(),
        });
    }

    fn check_attrs(&mut self, file: usize, block: &RawBlock, attrs: &[&str], blocks: &[&str]) {
        for a in &block.attrs {
            if !attrs.contains(&a.name.as_str()) {
                let hint = strsim_hint(&a.name, attrs);
                self.problem(
                    ProblemKind::UnknownAttribute,
                    KeySpan { file, span: a.key },
                    format!(
                        "unknown attribute `{}` in a `{}` block{hint}",
                        a.name, block.kind
                    ),
                );
            }
        }
        for b in &block.blocks {
            if !blocks.contains(&b.kind.as_str()) {
                self.problem(
                    ProblemKind::UnknownBlock,
                    KeySpan {
                        file,
                        span: b.kind_span,
                    },
                    format!("unknown block `{}` in a `{}` block", b.kind, block.kind),
                );
            }
        }
    }

    /// Resolves variables in dependency order; those that refer to each
    /// other in a circle are reported once each.
    fn resolve_vars(&mut self, vars: &[Var]) -> Context<'static> {
        let mut ctx = self.base.clone();
        // Later definitions of the same name win (override files).
        let mut last: BTreeMap<&str, &Var> = BTreeMap::new();
        // A name a `variable` block declares takes environment overrides
        // even when a later file sets it with a plain attribute.
        let declared: HashSet<&str> = vars
            .iter()
            .filter(|v| v.overridable)
            .map(|v| v.name.as_str())
            .collect();
        for v in vars {
            last.insert(&v.name, v);
        }
        let names: HashSet<&str> = last.keys().copied().collect();
        let mut pending: Vec<&Var> = last.values().copied().collect();
        let mut done: HashSet<&str> = HashSet::new();
        loop {
            let mut progress = false;
            let mut waiting = Vec::new();
            for v in pending {
                let env = if declared.contains(v.name.as_str()) {
                    self.env.get(&v.name)
                } else {
                    None
                };
                if !self.user_functions.is_empty() {
                    user_funcs::set_globals(&ctx);
                }
                let default = match v.default {
                    None => Some(Value::Null),
                    Some(expr) => match expr.evaluate(&ctx) {
                        Ok(value) => Some(value),
                        Err(e) => match e.kind() {
                            ErrorKind::UndefinedVar(dep)
                                if names.contains(dep.as_str()) && !done.contains(dep.as_str()) =>
                            {
                                None
                            }
                            // A function whose body reads a variable not
                            // resolved yet: tried again on the next pass.
                            ErrorKind::FuncCall(f, _)
                                if self.user_functions.contains(&f.to_string())
                                    && done.len() < names.len() =>
                            {
                                None
                            }
                            _ => {
                                self.eval(&ctx, expr, v.at);
                                Some(Value::Null)
                            }
                        },
                    },
                };
                match default {
                    None if env.is_none() => waiting.push(v),
                    default => {
                        let value = match (env, default) {
                            (Some(text), Some(default)) => self.env_value(v, text, &default),
                            (Some(text), None) => Value::String(text.clone()),
                            (None, default) => default.unwrap_or(Value::Null),
                        };
                        let typed = v.block.is_some_and(|b| b.attr("type").is_some());
                        let value = match (value, v.default) {
                            // An untyped variable with neither default nor
                            // override is ""; a typed one is null.
                            (Value::Null, None) if !typed => Value::String(String::new()),
                            (value, _) => value,
                        };
                        ctx.declare_var(v.name.clone(), value);
                        done.insert(&v.name);
                        progress = true;
                    }
                }
            }
            pending = waiting;
            if pending.is_empty() || !progress {
                break;
            }
        }
        // Judged before any of them is declared null.
        let cycles: Vec<bool> = pending
            .iter()
            .map(|v| match v.default.map(|e| e.evaluate(&ctx)) {
                Some(Err(e)) => {
                    matches!(e.kind(), ErrorKind::UndefinedVar(d) if names.contains(d.as_str()))
                }
                _ => false,
            })
            .collect();
        for (v, cycle) in pending.into_iter().zip(cycles) {
            match v.default {
                Some(expr) if !cycle => {
                    self.eval(&ctx, expr, v.at);
                }
                _ => self.problem(
                    ProblemKind::Cycle,
                    v.at,
                    format!(
                        "variable `{}` depends on itself through other variables",
                        v.name
                    ),
                ),
            }
            ctx.declare_var(v.name.clone(), Value::Null);
        }
        ctx
    }

    /// An environment value typed like the default, as buildx converts it.
    fn env_value(&mut self, v: &Var, text: &str, default: &Value) -> Value {
        match default {
            Value::Bool(_) => match text.trim().to_ascii_lowercase().as_str() {
                "true" | "1" => Value::Bool(true),
                "false" | "0" => Value::Bool(false),
                _ => {
                    self.problem(
                        ProblemKind::AttributeType,
                        v.at,
                        format!(
                            "environment value {text:?} of `{}` is not a bool like its default",
                            v.name
                        ),
                    );
                    default.clone()
                }
            },
            Value::Number(_) => {
                match text.trim().parse::<f64>() {
                    Ok(f) => hcl::Number::from_f64(f)
                        .map(Value::Number)
                        .unwrap_or(Value::Null),
                    Err(_) => {
                        self.problem(
                        ProblemKind::AttributeType,
                        v.at,
                        format!("environment value {text:?} of `{}` is not a number like its default", v.name),
                    );
                        default.clone()
                    }
                }
            }
            _ => Value::String(text.to_string()),
        }
    }

    fn validate_vars(&mut self, vars: &[Var], ctx: &Context) {
        for v in vars {
            let Some(block) = v.block else { continue };
            for val in block.blocks.iter().filter(|b| b.kind == "validation") {
                let Some(cond) = val.attr("condition") else {
                    continue;
                };
                let at = KeySpan {
                    file: v.at.file,
                    span: cond.key,
                };
                if let Some(Value::Bool(false)) = self.eval(ctx, &cond.expr, at) {
                    let message = val
                        .attr("error_message")
                        .and_then(|m| self.eval(ctx, &m.expr, at))
                        .map(|m| match m {
                            Value::String(s) => s,
                            other => other.to_string(),
                        })
                        .unwrap_or_else(|| "validation failed".into());
                    self.problem(
                        ProblemKind::Validation,
                        at,
                        format!("variable `{}`: {message}", v.name),
                    );
                }
            }
        }
    }

    fn group(&mut self, ctx: &Context, file: usize, block: &RawBlock) -> Option<Group> {
        let at = KeySpan {
            file,
            span: block.label_span(),
        };
        let mut group = Group {
            name: block.labels[0].0.clone(),
            at,
            ..Group::default()
        };
        for attr in ["name", "matrix"] {
            if let Some(a) = block.attr(attr) {
                self.problem(
                    ProblemKind::Matrix,
                    KeySpan { file, span: a.key },
                    format!("`{attr}` is not supported for groups"),
                );
            }
        }
        if let Some(a) = block.attr("targets") {
            let key = KeySpan { file, span: a.key };
            if let Some(AttrValue::List(l)) = self.attr_value(ctx, a, AttrKind::ListReplace, file) {
                group.targets = l.into_iter().map(|t| (t, key)).collect();
            }
        }
        if let Some(a) = block.attr("description") {
            if let Some(AttrValue::Str(s)) = self.attr_value(ctx, a, AttrKind::Str, file) {
                group.description = Some(s);
            }
        }
        Some(group)
    }

    /// The targets one block stands for: one, or one per matrix combination.
    fn targets(&mut self, ctx: &Context, file: usize, block: &RawBlock) -> Vec<Target> {
        let label = &block.labels[0].0;
        let at = KeySpan {
            file,
            span: block.label_span(),
        };
        let mut contexts = vec![ctx.clone()];
        if let Some(m) = block.attr("matrix") {
            let key = KeySpan { file, span: m.key };
            contexts = match self.eval(ctx, &m.expr, key) {
                Some(Value::Object(axes)) => {
                    // Counted before anything is built: a matrix is a product.
                    let combinations = axes.values().try_fold(1usize, |n, v| match v {
                        Value::Array(a) => n.checked_mul(a.len()),
                        _ => Some(n),
                    });
                    if combinations.is_none_or(|n| n > MAX_COMBINATIONS) {
                        self.problem(
                            ProblemKind::Matrix,
                            key,
                            format!("the matrix has more than {MAX_COMBINATIONS} combinations"),
                        );
                        return Vec::new();
                    }
                    let mut out = vec![ctx.clone()];
                    for (axis, values) in axes {
                        let Value::Array(values) = values else {
                            self.problem(
                                ProblemKind::Matrix,
                                key,
                                format!("matrix values must be a list (`{axis}` is not)"),
                            );
                            return Vec::new();
                        };
                        let mut next = Vec::with_capacity(out.len() * values.len());
                        for value in &values {
                            for c in &out {
                                let mut c = c.clone();
                                c.declare_var(axis.clone(), value.clone());
                                next.push(c);
                            }
                        }
                        out = next;
                    }
                    out
                }
                Some(_) => {
                    self.problem(
                        ProblemKind::Matrix,
                        key,
                        "matrix must be a map of lists".into(),
                    );
                    return Vec::new();
                }
                None => return Vec::new(),
            };
        } else if let Some(n) = block.attr("name") {
            self.problem(
                ProblemKind::Matrix,
                KeySpan { file, span: n.key },
                "`name` requires a `matrix`".into(),
            );
        }
        let mut out = Vec::new();
        for c in contexts {
            let mut name = label.clone();
            if block.attr("matrix").is_some() {
                if let Some(n) = block.attr("name") {
                    let key = KeySpan { file, span: n.key };
                    match self.attr_value(&c, n, AttrKind::Str, file) {
                        Some(AttrValue::Str(s)) => name = s,
                        _ => continue,
                    }
                    if !valid_target_name(&name) {
                        self.problem(
                            ProblemKind::Matrix,
                            key,
                            format!("target name {name:?} is invalid: names are letters, digits, `_` and `-` (the `sanitize` function makes one)"),
                        );
                        continue;
                    }
                    if out.iter().any(|t: &Target| t.name == name) {
                        self.problem(
                            ProblemKind::Matrix,
                            key,
                            format!("the matrix gives two targets the name {name:?}; make `name` differ by the matrix values"),
                        );
                        continue;
                    }
                }
            }
            let mut t = Target {
                name,
                at,
                ..Target::default()
            };
            for a in &block.attrs {
                let key = KeySpan { file, span: a.key };
                if a.name == "inherits" {
                    if let Some(AttrValue::List(l)) =
                        self.attr_value(&c, a, AttrKind::ListReplace, file)
                    {
                        t.inherits = l.into_iter().map(|n| (n, key)).collect();
                    }
                    continue;
                }
                let Some((name, kind)) = attr_kind(&a.name) else {
                    continue;
                };
                if let Some(v) = self.attr_value(&c, a, kind, file) {
                    t.attrs.insert(name, (v, key));
                }
            }
            out.push(t);
        }
        out
    }

    /// Evaluates an attribute and checks its type; `None` for null or on a
    /// reported problem.
    fn attr_value(
        &mut self,
        ctx: &Context,
        a: &RawAttr,
        kind: AttrKind,
        file: usize,
    ) -> Option<AttrValue> {
        let at = KeySpan { file, span: a.key };
        let value = self.eval(ctx, &a.expr, at)?;
        if value.is_null() {
            return None;
        }
        let converted = convert(&value, kind, &a.name);
        if let (Some(AttrValue::Map(m)), "resources") = (&converted, a.name.as_str()) {
            if let Some(why) = m
                .iter()
                .find_map(|(k, v)| super::model::resource_problem(k, v.as_deref()))
            {
                self.problem(ProblemKind::AttributeType, at, why);
                return None;
            }
        }
        if converted.is_none() {
            let want = match kind {
                AttrKind::Str => "a string",
                AttrKind::Bool => "a bool",
                AttrKind::ListAppend | AttrKind::ListReplace => "a list of strings",
                AttrKind::Map => "a map of strings",
            };
            self.problem(
                ProblemKind::AttributeType,
                at,
                format!("`{}` must be {want}, not {}", a.name, describe(&value)),
            );
        }
        converted
    }
}

fn describe(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => format!("the bool {b}"),
        Value::Number(n) => format!("the number {n}"),
        Value::String(s) => format!("the string {s:?}"),
        Value::Array(_) => "a list".into(),
        Value::Object(_) => "a map".into(),
    }
}

fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// A structured list entry in buildx's CSV form: `{ type = "registry", ref
/// = "x" }` is `type=registry,ref=x`; an `ssh` entry `{ id = "key", paths =
/// ["a", "b"] }` is `key=a,b` (and `{ id = "default" }` is `default`).
fn csv_entry(attr: &str, o: &hcl::Map<String, Value>) -> Option<String> {
    let joined = |v: &Value| match v {
        Value::Array(items) => items
            .iter()
            .map(scalar)
            .collect::<Option<Vec<_>>>()
            .map(|p| p.join(",")),
        other => scalar(other),
    };
    if attr == "ssh" {
        let id = o.get("id").and_then(scalar)?;
        return Some(match o.get("paths").map(joined) {
            Some(Some(paths)) if !paths.is_empty() => format!("{id}={paths}"),
            _ => id,
        });
    }
    o.iter()
        .map(|(k, v)| joined(v).map(|v| format!("{k}={v}")))
        .collect::<Option<Vec<_>>>()
        .map(|p| p.join(","))
}

fn convert(v: &Value, kind: AttrKind, attr: &str) -> Option<AttrValue> {
    match kind {
        AttrKind::Str => scalar(v).map(AttrValue::Str),
        AttrKind::Bool => match v {
            Value::Bool(b) => Some(AttrValue::Bool(*b)),
            Value::String(s) if s == "true" => Some(AttrValue::Bool(true)),
            Value::String(s) if s == "false" => Some(AttrValue::Bool(false)),
            _ => None,
        },
        AttrKind::ListAppend | AttrKind::ListReplace => match v {
            Value::Array(items) => items
                .iter()
                .filter(|i| !i.is_null())
                .map(|i| match i {
                    Value::Object(o) => csv_entry(attr, o),
                    other => scalar(other),
                })
                .collect::<Option<Vec<_>>>()
                .map(AttrValue::List),
            _ => None,
        },
        AttrKind::Map => match v {
            Value::Object(o) => o
                .iter()
                .map(|(k, v)| match v {
                    Value::Null => Some((k.clone(), None)),
                    other => scalar(other).map(|s| (k.clone(), Some(s))),
                })
                .collect::<Option<BTreeMap<_, _>>>()
                .map(AttrValue::Map),
            _ => None,
        },
    }
}

/// buildx's target name rule.
pub fn valid_target_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

fn strsim_hint(name: &str, known: &[&str]) -> String {
    known
        .iter()
        .map(|k| (strsim::jaro_winkler(name, k), k))
        .filter(|(score, _)| *score > 0.85)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, k)| format!(" (did you mean `{k}`?)"))
        .unwrap_or_default()
}
