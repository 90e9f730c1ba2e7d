#[test]
fn probe() {
    let root = std::path::Path::new("/work/shared/corpus");
    let mut files = Vec::new();
    for sub in ["awesome-compose", "compose-go-testdata"] {
        for e in ignore::WalkBuilder::new(root.join(sub)).hidden(false).build().flatten() {
            let p = e.path().to_path_buf();
            let n = p.file_name().unwrap().to_str().unwrap().to_string();
            if (n.ends_with(".yml") || n.ends_with(".yaml")) && p.is_file() {
                files.push(p);
            }
        }
    }
    files.sort();
    for f in files {
        let l = super::load(&super::LoadOptions { files: vec![f.clone()], display_base: Some(root.to_path_buf()), ..Default::default() });
        let probs: Vec<String> = l.problems.iter().filter(|p| p.rule.code != "BL0013").map(|p| { let lc = p.start(); format!("  {}:{}:{} {} {}", p.file.path.display(), lc.line, lc.column, p.rule.code, p.message) }).collect();
        println!("{} fatal={} services={}", f.strip_prefix(root).unwrap().display(), l.fatal, l.project.as_ref().map(|p| p.services.len()).unwrap_or(0));
        for p in probs { println!("{p}"); }
    }
}
