//! Shared by the ordering rules: report every key that comes after one it
//! should precede.

use crate::compose::yaml::Key;
use crate::lint::{Diagnostic, Diagnostics};

/// Reports keys out of order by `rank` (lower first; equal ranks keep their
/// order). `what` names the list in messages.
pub fn report_out_of_order<'a, R: Ord + Clone>(
    keys: impl IntoIterator<Item = &'a Key>,
    rank: impl Fn(&Key) -> R,
    what: &str,
    out: &mut Diagnostics,
) {
    let mut max: Option<(R, &Key)> = None;
    for k in keys {
        let r = rank(k);
        match &max {
            Some((m, prev)) if r < *m => {
                out.push(
                    Diagnostic::new(
                        k.span,
                        format!("`{}` should come before `{}` in {what}", k.name, prev.name),
                    )
                    .in_file(k.file.clone())
                    .help(format!("move `{}` up", k.name)),
                );
            }
            _ => max = Some((r, k)),
        }
    }
}
