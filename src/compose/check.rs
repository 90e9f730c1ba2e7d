//! Linting a loaded stack: its loading problems and the stack rules.

use super::load::Loaded;
use crate::lint::engine::{lint_stack, RuleSelection};
use crate::lint::options::RuleOptions;
use crate::lint::Finding;

/// The loading problems (kept and re-stamped when their rule is selected)
/// and the selected stack rules' findings, ordered by file and position.
pub fn lint_loaded(loaded: &Loaded, options: &RuleOptions, selection: &RuleSelection) -> Vec<Finding> {
    let mut out: Vec<Finding> = loaded
        .problems
        .iter()
        .filter_map(|p| {
            let severity = selection.severity_of(p.rule)?;
            let mut f = p.clone();
            f.severity = severity;
            Some(f)
        })
        .collect();
    if let Some(project) = &loaded.project {
        if let Some(main) = project.main_file() {
            out.extend(lint_stack(main, project, options, selection));
        }
    }
    out.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    // A value shared by several services (an `extends` base, a merged
    // anchor) is reported once.
    out.dedup_by(|b, a| {
        a.rule.code == b.rule.code
            && a.span == b.span
            && a.file.path == b.file.path
            && a.message == b.message
    });
    out
}
