//! The functions bake files call: the part of buildx's HCL stdlib this
//! loader evaluates, and the names of the rest (a call to one of those is
//! reported as not evaluated, a call to any other name as unknown).

use base64::Engine as _;
use hcl::eval::{Context, FuncArgs, FuncDef, ParamType};
use hcl::{Map, Number, Value};
use sha2::Digest as _;

/// Every function buildx's bake exposes (bake/hclparser/stdlib.go).
pub const BUILDX_FUNCTIONS: &[&str] = &[
    "absolute",
    "add",
    "and",
    "base64decode",
    "base64encode",
    "basename",
    "bcrypt",
    "byteslen",
    "bytesslice",
    "can",
    "ceil",
    "chomp",
    "chunklist",
    "cidrhost",
    "cidrnetmask",
    "cidrsubnet",
    "cidrsubnets",
    "coalesce",
    "coalescelist",
    "compact",
    "concat",
    "contains",
    "convert",
    "csvdecode",
    "dirname",
    "distinct",
    "divide",
    "element",
    "equal",
    "flatten",
    "floor",
    "format",
    "formatdate",
    "formattimestamp",
    "formatlist",
    "greaterthan",
    "greaterthanorequalto",
    "hasindex",
    "homedir",
    "indent",
    "index",
    "indexof",
    "int",
    "join",
    "jsondecode",
    "jsonencode",
    "keys",
    "length",
    "lessthan",
    "lessthanorequalto",
    "log",
    "lookup",
    "lower",
    "max",
    "md5",
    "merge",
    "min",
    "modulo",
    "multiply",
    "negate",
    "not",
    "notequal",
    "or",
    "parseint",
    "pow",
    "range",
    "regex_replace",
    "regex",
    "regexall",
    "replace",
    "reverse",
    "reverselist",
    "rsadecrypt",
    "sanitize",
    "semvercmp",
    "sethaselement",
    "setintersection",
    "setproduct",
    "setsubtract",
    "setsymmetricdifference",
    "setunion",
    "sha1",
    "sha256",
    "sha512",
    "signum",
    "slice",
    "sort",
    "split",
    "strlen",
    "substr",
    "subtract",
    "timeadd",
    "timestamp",
    "title",
    "trim",
    "trimprefix",
    "trimspace",
    "trimsuffix",
    "try",
    "unixtimestampparse",
    "upper",
    "urlencode",
    "uuidv4",
    "uuidv5",
    "values",
    "zipmap",
];

type F = fn(FuncArgs) -> Result<Value, String>;

fn s(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn num(v: &Value) -> Result<f64, String> {
    match v {
        Value::Number(n) => n.as_f64().ok_or_else(|| "not a number".to_string()),
        Value::String(s) => s
            .trim()
            .parse::<f64>()
            .map_err(|_| format!("{s:?} is not a number")),
        other => Err(format!("{other} is not a number")),
    }
}

fn number(f: f64) -> Value {
    if f.fract() == 0.0 && f.abs() < 9.0e15 {
        Value::Number(Number::from(f as i64))
    } else {
        Number::from_f64(f)
            .map(Value::Number)
            .unwrap_or(Value::Null)
    }
}

fn list(v: &Value) -> Result<Vec<Value>, String> {
    match v {
        Value::Array(a) => Ok(a.clone()),
        other => Err(format!("{other} is not a list")),
    }
}

fn obj(v: &Value) -> Result<Map<String, Value>, String> {
    match v {
        Value::Object(o) => Ok(o.clone()),
        other => Err(format!("{other} is not a map")),
    }
}

fn truthy(v: &Value) -> Result<bool, String> {
    match v {
        Value::Bool(b) => Ok(*b),
        Value::String(s) if s == "true" => Ok(true),
        Value::String(s) if s == "false" => Ok(false),
        other => Err(format!("{other} is not a bool")),
    }
}

fn strs(args: &FuncArgs, f: fn(&str) -> String) -> Result<Value, String> {
    Ok(Value::String(f(&s(&args[0]))))
}

fn go_format(args: &[Value]) -> Result<String, String> {
    let Some(Value::String(spec)) = args.first() else {
        return Err("format wants a format string".into());
    };
    let mut out = String::new();
    let mut next = 1;
    let mut chars = spec.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let Some(verb) = chars.next() else {
            return Err("format string ends with %".into());
        };
        if verb == '%' {
            out.push('%');
            continue;
        }
        let arg = args
            .get(next)
            .ok_or_else(|| format!("too few arguments for {spec:?}"))?;
        next += 1;
        match verb {
            's' | 'v' => out.push_str(&s(arg)),
            'd' => out.push_str(&format!("{}", num(arg)? as i64)),
            'f' => out.push_str(&format!("{:.6}", num(arg)?)),
            'q' => out.push_str(&serde_json::to_string(&s(arg)).unwrap_or_default()),
            't' => out.push_str(&truthy(arg)?.to_string()),
            other => return Err(format!("format verb %{other} is not supported")),
        }
    }
    Ok(out)
}

fn to_json(v: &Value) -> serde_json::Value {
    serde_json::to_value(v).unwrap_or(serde_json::Value::Null)
}

fn from_json(v: serde_json::Value) -> Value {
    match v {
        serde_json::Value::Null => Value::Null,
        serde_json::Value::Bool(b) => Value::Bool(b),
        serde_json::Value::Number(n) => number(n.as_f64().unwrap_or_default()),
        serde_json::Value::String(s) => Value::String(s),
        serde_json::Value::Array(a) => Value::Array(a.into_iter().map(from_json).collect()),
        serde_json::Value::Object(o) => {
            Value::Object(o.into_iter().map(|(k, v)| (k, from_json(v))).collect())
        }
    }
}

fn cmp(args: &FuncArgs, f: fn(f64, f64) -> bool) -> Result<Value, String> {
    Ok(Value::Bool(f(num(&args[0])?, num(&args[1])?)))
}

fn arith(args: &FuncArgs, f: fn(f64, f64) -> f64) -> Result<Value, String> {
    Ok(number(f(num(&args[0])?, num(&args[1])?)))
}

fn flatten_into(v: &Value, out: &mut Vec<Value>) {
    match v {
        Value::Array(a) => a.iter().for_each(|x| flatten_into(x, out)),
        other => out.push(other.clone()),
    }
}

fn fixed(params: &[ParamType], f: F) -> FuncDef {
    FuncDef::new(f, params.to_vec())
}

fn variadic(param: ParamType, f: F) -> FuncDef {
    FuncDef::builder().variadic_param(param).build(f)
}

/// The functions this loader evaluates, with their implementation.
fn evaluated() -> Vec<(&'static str, FuncDef)> {
    use ParamType::{Any, String as S};
    let a = || ParamType::Any;
    vec![
        ("upper", fixed(&[S], |x| strs(&x, |v| v.to_uppercase()))),
        ("lower", fixed(&[S], |x| strs(&x, |v| v.to_lowercase()))),
        (
            "title",
            fixed(&[S], |x| {
                strs(&x, |v| {
                    let mut up = true;
                    v.chars()
                        .map(|c| {
                            let r = if up {
                                c.to_uppercase().next().unwrap_or(c)
                            } else {
                                c
                            };
                            up = c.is_whitespace();
                            r
                        })
                        .collect()
                })
            }),
        ),
        (
            "trimspace",
            fixed(&[S], |x| strs(&x, |v| v.trim().to_string())),
        ),
        (
            "chomp",
            fixed(&[S], |x| {
                strs(&x, |v| v.trim_end_matches(['\n', '\r']).to_string())
            }),
        ),
        (
            "trim",
            fixed(&[S, S], |x| {
                let cut: Vec<char> = s(&x[1]).chars().collect();
                Ok(Value::String(
                    s(&x[0]).trim_matches(cut.as_slice()).to_string(),
                ))
            }),
        ),
        (
            "trimprefix",
            fixed(&[S, S], |x| {
                let (v, p) = (s(&x[0]), s(&x[1]));
                Ok(Value::String(
                    v.strip_prefix(p.as_str()).unwrap_or(&v).to_string(),
                ))
            }),
        ),
        (
            "trimsuffix",
            fixed(&[S, S], |x| {
                let (v, p) = (s(&x[0]), s(&x[1]));
                Ok(Value::String(
                    v.strip_suffix(p.as_str()).unwrap_or(&v).to_string(),
                ))
            }),
        ),
        (
            "replace",
            fixed(&[S, S, S], |x| {
                let (v, from, to) = (s(&x[0]), s(&x[1]), s(&x[2]));
                // A /pattern/ is a regular expression, as in Terraform's replace.
                if from.len() > 1 && from.starts_with('/') && from.ends_with('/') {
                    let re =
                        regex::Regex::new(&from[1..from.len() - 1]).map_err(|e| e.to_string())?;
                    return Ok(Value::String(re.replace_all(&v, to.as_str()).into_owned()));
                }
                Ok(Value::String(v.replace(&from, &to)))
            }),
        ),
        (
            "regex_replace",
            fixed(&[S, S, S], |x| {
                let re = regex::Regex::new(&s(&x[1])).map_err(|e| e.to_string())?;
                Ok(Value::String(
                    re.replace_all(&s(&x[0]), s(&x[2]).as_str()).into_owned(),
                ))
            }),
        ),
        (
            "split",
            fixed(&[S, S], |x| {
                let (sep, v) = (s(&x[0]), s(&x[1]));
                Ok(Value::Array(
                    v.split(sep.as_str())
                        .map(|p| Value::String(p.into()))
                        .collect(),
                ))
            }),
        ),
        (
            "join",
            FuncDef::builder()
                .param(S)
                .variadic_param(ParamType::array_of(a()))
                .build(|x| {
                    let sep = s(&x[0]);
                    let mut parts = Vec::new();
                    for l in x.iter().skip(1) {
                        parts.extend(list(l)?.iter().map(s));
                    }
                    Ok(Value::String(parts.join(&sep)))
                }),
        ),
        (
            "strlen",
            fixed(&[S], |x| Ok(number(s(&x[0]).chars().count() as f64))),
        ),
        (
            "substr",
            fixed(&[S, Any, Any], |x| {
                let v: Vec<char> = s(&x[0]).chars().collect();
                let mut off = num(&x[1])? as i64;
                let len = num(&x[2])? as i64;
                if off < 0 {
                    off += v.len() as i64;
                }
                let start = (off.max(0) as usize).min(v.len());
                let end = if len < 0 {
                    v.len()
                } else {
                    (start + len as usize).min(v.len())
                };
                Ok(Value::String(v[start..end].iter().collect()))
            }),
        ),
        (
            "format",
            variadic(a(), |x| go_format(&x).map(Value::String)),
        ),
        (
            "indent",
            fixed(&[Any, S], |x| {
                let pad = " ".repeat(num(&x[0])? as usize);
                Ok(Value::String(s(&x[1]).replace('\n', &format!("\n{pad}"))))
            }),
        ),
        (
            "sanitize",
            fixed(&[S], |x| {
                strs(&x, |v| {
                    v.chars()
                        .map(|c| {
                            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                                c
                            } else {
                                '_'
                            }
                        })
                        .collect()
                })
            }),
        ),
        (
            "urlencode",
            fixed(&[S], |x| {
                strs(&x, |v| {
                    percent_encoding::utf8_percent_encode(v, percent_encoding::NON_ALPHANUMERIC)
                        .to_string()
                })
            }),
        ),
        (
            "basename",
            fixed(&[S], |x| {
                strs(&x, |v| {
                    v.trim_end_matches('/')
                        .rsplit('/')
                        .next()
                        .unwrap_or("")
                        .to_string()
                })
            }),
        ),
        (
            "dirname",
            fixed(&[S], |x| {
                strs(&x, |v| match v.trim_end_matches('/').rsplit_once('/') {
                    Some(("", _)) => "/".into(),
                    Some((d, _)) => d.into(),
                    None => ".".into(),
                })
            }),
        ),
        (
            "base64encode",
            fixed(&[S], |x| {
                strs(&x, |v| base64::engine::general_purpose::STANDARD.encode(v))
            }),
        ),
        (
            "base64decode",
            fixed(&[S], |x| {
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(s(&x[0]))
                    .map_err(|e| e.to_string())?;
                String::from_utf8(bytes)
                    .map(Value::String)
                    .map_err(|_| "not UTF-8".to_string())
            }),
        ),
        (
            "sha256",
            fixed(&[S], |x| strs(&x, |v| hex::encode(sha2::Sha256::digest(v)))),
        ),
        (
            "sha512",
            fixed(&[S], |x| strs(&x, |v| hex::encode(sha2::Sha512::digest(v)))),
        ),
        (
            "jsonencode",
            fixed(&[Any], |x| {
                Ok(Value::String(
                    serde_json::to_string(&to_json(&x[0])).unwrap_or_default(),
                ))
            }),
        ),
        (
            "jsondecode",
            fixed(&[S], |x| {
                serde_json::from_str(&s(&x[0]))
                    .map(from_json)
                    .map_err(|e| e.to_string())
            }),
        ),
        ("int", fixed(&[Any], |x| Ok(number(num(&x[0])?.trunc())))),
        (
            "parseint",
            fixed(&[Any, Any], |x| {
                let radix = num(&x[1])? as u32;
                i64::from_str_radix(&s(&x[0]), radix)
                    .map(|n| number(n as f64))
                    .map_err(|e| e.to_string())
            }),
        ),
        (
            "equal",
            fixed(&[Any, Any], |x| Ok(Value::Bool(x[0] == x[1]))),
        ),
        (
            "notequal",
            fixed(&[Any, Any], |x| Ok(Value::Bool(x[0] != x[1]))),
        ),
        (
            "and",
            fixed(&[Any, Any], |x| {
                Ok(Value::Bool(truthy(&x[0])? && truthy(&x[1])?))
            }),
        ),
        (
            "or",
            fixed(&[Any, Any], |x| {
                Ok(Value::Bool(truthy(&x[0])? || truthy(&x[1])?))
            }),
        ),
        ("not", fixed(&[Any], |x| Ok(Value::Bool(!truthy(&x[0])?)))),
        ("add", fixed(&[Any, Any], |x| arith(&x, |a, b| a + b))),
        ("subtract", fixed(&[Any, Any], |x| arith(&x, |a, b| a - b))),
        ("multiply", fixed(&[Any, Any], |x| arith(&x, |a, b| a * b))),
        (
            "divide",
            fixed(&[Any, Any], |x| {
                if num(&x[1])? == 0.0 {
                    return Err("division by zero".into());
                }
                arith(&x, |a, b| a / b)
            }),
        ),
        (
            "modulo",
            fixed(&[Any, Any], |x| {
                if num(&x[1])? == 0.0 {
                    return Err("division by zero".into());
                }
                arith(&x, |a, b| a % b)
            }),
        ),
        ("pow", fixed(&[Any, Any], |x| arith(&x, f64::powf))),
        ("negate", fixed(&[Any], |x| Ok(number(-num(&x[0])?)))),
        (
            "signum",
            fixed(&[Any], |x| Ok(number(num(&x[0])?.signum()))),
        ),
        ("ceil", fixed(&[Any], |x| Ok(number(num(&x[0])?.ceil())))),
        ("floor", fixed(&[Any], |x| Ok(number(num(&x[0])?.floor())))),
        ("greaterthan", fixed(&[Any, Any], |x| cmp(&x, |a, b| a > b))),
        (
            "greaterthanorequalto",
            fixed(&[Any, Any], |x| cmp(&x, |a, b| a >= b)),
        ),
        ("lessthan", fixed(&[Any, Any], |x| cmp(&x, |a, b| a < b))),
        (
            "lessthanorequalto",
            fixed(&[Any, Any], |x| cmp(&x, |a, b| a <= b)),
        ),
        (
            "max",
            variadic(a(), |x| {
                x.iter()
                    .map(num)
                    .try_fold(f64::NEG_INFINITY, |m, v| v.map(|v| m.max(v)))
                    .map(number)
            }),
        ),
        (
            "min",
            variadic(a(), |x| {
                x.iter()
                    .map(num)
                    .try_fold(f64::INFINITY, |m, v| v.map(|v| m.min(v)))
                    .map(number)
            }),
        ),
        (
            "length",
            fixed(&[Any], |x| {
                Ok(number(match &x[0] {
                    Value::Array(a) => a.len(),
                    Value::Object(o) => o.len(),
                    Value::String(v) => v.chars().count(),
                    other => return Err(format!("{other} has no length")),
                } as f64))
            }),
        ),
        (
            "concat",
            variadic(a(), |x| {
                let mut out = Vec::new();
                for l in x.iter() {
                    out.extend(list(l)?);
                }
                Ok(Value::Array(out))
            }),
        ),
        (
            "contains",
            fixed(&[Any, Any], |x| {
                Ok(Value::Bool(list(&x[0])?.contains(&x[1])))
            }),
        ),
        (
            "coalesce",
            variadic(a(), |x| {
                x.iter()
                    .find(|v| {
                        !matches!(v, Value::Null) && !matches!(v, Value::String(s) if s.is_empty())
                    })
                    .cloned()
                    .ok_or_else(|| "no non-null, non-empty argument".to_string())
            }),
        ),
        (
            "coalescelist",
            variadic(a(), |x| {
                x.iter()
                    .find(|v| matches!(v, Value::Array(a) if !a.is_empty()))
                    .cloned()
                    .ok_or_else(|| "no non-empty list".to_string())
            }),
        ),
        (
            "compact",
            fixed(&[Any], |x| {
                Ok(Value::Array(
                    list(&x[0])?
                        .into_iter()
                        .filter(|v| {
                            !matches!(v, Value::Null)
                                && !matches!(v, Value::String(s) if s.is_empty())
                        })
                        .collect(),
                ))
            }),
        ),
        (
            "distinct",
            fixed(&[Any], |x| {
                let mut out: Vec<Value> = Vec::new();
                for v in list(&x[0])? {
                    if !out.contains(&v) {
                        out.push(v);
                    }
                }
                Ok(Value::Array(out))
            }),
        ),
        (
            "element",
            fixed(&[Any, Any], |x| {
                let l = list(&x[0])?;
                if l.is_empty() {
                    return Err("element of an empty list".into());
                }
                Ok(l[(num(&x[1])? as usize) % l.len()].clone())
            }),
        ),
        (
            "flatten",
            fixed(&[Any], |x| {
                let mut out = Vec::new();
                flatten_into(&x[0], &mut out);
                Ok(Value::Array(out))
            }),
        ),
        ("index", fixed(&[Any, Any], |x| index(&x))),
        ("indexof", fixed(&[Any, Any], |x| index(&x))),
        (
            "keys",
            fixed(&[Any], |x| {
                let mut k: Vec<String> = obj(&x[0])?.keys().cloned().collect();
                k.sort();
                Ok(Value::Array(k.into_iter().map(Value::String).collect()))
            }),
        ),
        (
            "values",
            fixed(&[Any], |x| {
                let o = obj(&x[0])?;
                let mut k: Vec<&String> = o.keys().collect();
                k.sort();
                Ok(Value::Array(k.into_iter().map(|k| o[k].clone()).collect()))
            }),
        ),
        (
            "lookup",
            FuncDef::builder()
                .params([Any, S])
                .variadic_param(a())
                .build(|x| {
                    let o = obj(&x[0])?;
                    match o.get(&s(&x[1])) {
                        Some(v) => Ok(v.clone()),
                        None => x
                            .get(2)
                            .cloned()
                            .ok_or_else(|| format!("no key {:?}", s(&x[1]))),
                    }
                }),
        ),
        (
            "merge",
            variadic(a(), |x| {
                let mut out = Map::new();
                for o in x.iter().filter(|v| !matches!(v, Value::Null)) {
                    out.extend(obj(o)?);
                }
                Ok(Value::Object(out))
            }),
        ),
        (
            "reverse",
            fixed(&[Any], |x| {
                let mut l = list(&x[0])?;
                l.reverse();
                Ok(Value::Array(l))
            }),
        ),
        (
            "reverselist",
            fixed(&[Any], |x| {
                let mut l = list(&x[0])?;
                l.reverse();
                Ok(Value::Array(l))
            }),
        ),
        (
            "slice",
            fixed(&[Any, Any, Any], |x| {
                let l = list(&x[0])?;
                let (a, b) = (num(&x[1])? as usize, num(&x[2])? as usize);
                if a > b || b > l.len() {
                    return Err(format!("slice {a}..{b} out of range"));
                }
                Ok(Value::Array(l[a..b].to_vec()))
            }),
        ),
        (
            "sort",
            fixed(&[Any], |x| {
                let mut l: Vec<String> = list(&x[0])?.iter().map(s).collect();
                l.sort();
                Ok(Value::Array(l.into_iter().map(Value::String).collect()))
            }),
        ),
        (
            "range",
            variadic(a(), |x| {
                let n: Vec<f64> = x.iter().map(num).collect::<Result<_, _>>()?;
                let (start, end, step) = match n.as_slice() {
                    [e] => (0.0, *e, 1.0),
                    [s, e] => (*s, *e, if e >= s { 1.0 } else { -1.0 }),
                    [s, e, st] => (*s, *e, *st),
                    _ => return Err("range wants 1 to 3 numbers".into()),
                };
                if step == 0.0 {
                    return Err("range step is 0".into());
                }
                let mut out = Vec::new();
                let mut v = start;
                while (step > 0.0 && v < end) || (step < 0.0 && v > end) {
                    out.push(number(v));
                    v += step;
                    if out.len() > 1024 {
                        return Err("range has more than 1024 elements".into());
                    }
                }
                Ok(Value::Array(out))
            }),
        ),
        (
            "zipmap",
            fixed(&[Any, Any], |x| {
                let (k, v) = (list(&x[0])?, list(&x[1])?);
                if k.len() != v.len() {
                    return Err("zipmap lists differ in length".into());
                }
                Ok(Value::Object(k.iter().map(s).zip(v).collect()))
            }),
        ),
        (
            "homedir",
            fixed(&[], |_| {
                Ok(Value::String(
                    dirs::home_dir()
                        .map(|p| p.display().to_string())
                        .unwrap_or_default(),
                ))
            }),
        ),
        (
            "timestamp",
            fixed(&[], |_| Ok(Value::String(rfc3339_now()))),
        ),
    ]
}

fn index(x: &FuncArgs) -> Result<Value, String> {
    list(&x[0])?
        .iter()
        .position(|v| *v == x[1])
        .map(|i| number(i as f64))
        .ok_or_else(|| format!("{} is not in the list", x[1]))
}

/// The current UTC time as RFC 3339, as `timestamp()` returns it.
fn rfc3339_now() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or_default();
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Civil date from days since the epoch (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// The names this loader evaluates.
pub fn evaluated_names() -> Vec<&'static str> {
    evaluated().into_iter().map(|(n, _)| n).collect()
}

/// Declares every evaluated function in `ctx`.
pub fn declare(ctx: &mut Context) {
    for (name, def) in evaluated() {
        ctx.declare_func(name, def);
    }
}
