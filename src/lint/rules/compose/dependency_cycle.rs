use std::collections::{BTreeMap, BTreeSet};

use super::util::{service_refs, ServiceRef};
use crate::lint::{Check, Diagnostic, Diagnostics, FixAvailability, Rule, Severity, StackCx};

pub static RULE: Rule = Rule {
    code: "BL4006",
    name: "dependency-cycle",
    aliases: &[],
    severity: Severity::Error,
    default_enabled: true,
    fix: FixAvailability::Never,
    summary: "Services depend on each other in a cycle.",
    doc: r#"## What it does
Finds cycles among service dependencies (`depends_on`, `links`,
`network_mode: service:NAME`, `volumes_from`) and names the whole cycle,
once, at the dependency that closes it.

## Why is this bad?
`docker compose` refuses the project ("dependency cycle detected"), since no
service of the cycle can start first.

## Example
```yaml
services:
  web:
    image: nginx:1.27
    depends_on: [db]
  db:
    image: postgres:16.4
    depends_on: [web]
```

Use instead:
```yaml
services:
  web:
    image: nginx:1.27
    depends_on: [db]
  db:
    image: postgres:16.4
```

## How to fix
Remove one dependency of the cycle; usually the one pointing from a backing
service (a database) to a front one.

## References
- compose-go `graph/cycle.go`: "dependency cycle detected: a -> b -> a"
"#,
    check: Check::Stack(check),
};

fn check(cx: &StackCx<'_>, out: &mut Diagnostics) {
    let p = cx.project;
    let index: BTreeMap<&str, usize> = p
        .services
        .iter()
        .enumerate()
        .map(|(i, s)| (s.name.value.as_str(), i))
        .collect();
    let edges: Vec<Vec<(usize, ServiceRef)>> = p
        .services
        .iter()
        .map(|s| {
            service_refs(s)
                .into_iter()
                .filter_map(|r| index.get(r.target.as_str()).map(|&t| (t, r)))
                .collect()
        })
        .collect();
    let adjacency: Vec<Vec<usize>> = edges
        .iter()
        .map(|e| e.iter().map(|(t, _)| *t).collect())
        .collect();
    // One finding per strongly connected component, from its first service
    // in file order, along the shortest way back to it.
    for component in strongly_connected(&adjacency) {
        let start = component[0];
        let members: BTreeSet<usize> = component.iter().copied().collect();
        if component.len() == 1 && !adjacency[start].contains(&start) {
            continue;
        }
        let cycle = shortest_cycle(start, &adjacency, &members);
        let names: Vec<&str> = cycle
            .iter()
            .map(|&i| p.services[i].name.value.as_str())
            .collect();
        let next = cycle.get(1).copied().unwrap_or(start);
        let Some((_, r)) = edges[start].iter().find(|(t, _)| *t == next) else {
            continue;
        };
        let message = if cycle.len() == 2 && cycle[0] == cycle[1] {
            format!("service `{}` depends on itself", names[0])
        } else {
            format!("dependency cycle: {}", names.join(" -> "))
        };
        out.push(
            Diagnostic::new(r.span, message)
                .in_file(r.at.file.clone())
                .help("remove one dependency of the cycle"),
        );
    }
}

/// Tarjan's strongly connected components, each sorted, in order of their
/// first member.
fn strongly_connected(adj: &[Vec<usize>]) -> Vec<Vec<usize>> {
    struct State<'a> {
        adj: &'a [Vec<usize>],
        index: Vec<Option<usize>>,
        low: Vec<usize>,
        on_stack: Vec<bool>,
        stack: Vec<usize>,
        next: usize,
        out: Vec<Vec<usize>>,
    }
    fn visit(st: &mut State<'_>, v: usize) {
        st.index[v] = Some(st.next);
        st.low[v] = st.next;
        st.next += 1;
        st.stack.push(v);
        st.on_stack[v] = true;
        for &w in &st.adj[v] {
            match st.index[w] {
                None => {
                    visit(st, w);
                    st.low[v] = st.low[v].min(st.low[w]);
                }
                Some(iw) if st.on_stack[w] => st.low[v] = st.low[v].min(iw),
                _ => {}
            }
        }
        if Some(st.low[v]) == st.index[v] {
            let mut comp = Vec::new();
            while let Some(w) = st.stack.pop() {
                st.on_stack[w] = false;
                comp.push(w);
                if w == v {
                    break;
                }
            }
            comp.sort_unstable();
            st.out.push(comp);
        }
    }
    let n = adj.len();
    let mut st = State {
        adj,
        index: vec![None; n],
        low: vec![0; n],
        on_stack: vec![false; n],
        stack: Vec::new(),
        next: 0,
        out: Vec::new(),
    };
    for v in 0..n {
        if st.index[v].is_none() {
            visit(&mut st, v);
        }
    }
    st.out.sort_by_key(|c| c[0]);
    st.out
}

/// `start -> ... -> start`, shortest, within `members`.
fn shortest_cycle(start: usize, adj: &[Vec<usize>], members: &BTreeSet<usize>) -> Vec<usize> {
    if adj[start].contains(&start) {
        return vec![start, start];
    }
    let mut prev: BTreeMap<usize, usize> = BTreeMap::new();
    let mut queue = std::collections::VecDeque::from([start]);
    while let Some(v) = queue.pop_front() {
        for &w in &adj[v] {
            if w == start {
                let mut path = vec![v];
                let mut cur = v;
                while cur != start {
                    cur = prev[&cur];
                    path.push(cur);
                }
                path.reverse();
                path.push(start);
                return path;
            }
            if members.contains(&w) && !prev.contains_key(&w) && w != start {
                prev.insert(w, v);
                queue.push_back(w);
            }
        }
    }
    vec![start, start]
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::stack::testing::{assert_stack_fires, assert_stack_quiet, only_finding};

    #[test]
    fn names_the_cycle_once() {
        let f = only_finding(
            &RULE,
            "services:\n  web:\n    image: a:1\n    depends_on: [db]\n  db:\n    image: b:1\n    depends_on: [web]\n",
        );
        assert_eq!(f.message, "dependency cycle: web -> db -> web");
        assert_eq!(f.span.slice(&f.file.text), "db");
        assert_eq!(f.start().line, 4);
        let f = only_finding(
            &RULE,
            "services:\n  a:\n    image: a:1\n    depends_on: [b]\n  b:\n    image: b:1\n    links: [c]\n  c:\n    image: c:1\n    network_mode: 'service:a'\n",
        );
        assert_eq!(f.message, "dependency cycle: a -> b -> c -> a");
    }

    #[test]
    fn self_dependency_and_acyclic_graphs() {
        assert_stack_fires(
            &RULE,
            "services:\n  web:\n    image: a:1\n    depends_on: [web]\n",
            &["web"],
        );
        assert_stack_quiet(
            &RULE,
            "services:\n  a:\n    image: a:1\n    depends_on: [b, c]\n  b:\n    image: b:1\n    depends_on: [c]\n  c:\n    image: c:1\n",
        );
    }
}
