//! Names the commit this Glassbox is built from, for the report's manifest:
//! `GLASSBOX_BUILD_COMMIT` when set (a build from a tarball can say it),
//! else `git rev-parse HEAD` with `-dirty` when the work tree has changes,
//! else nothing. It runs at build time only: the crate itself still does no
//! I/O, and two builds of one commit name the same commit.

use std::process::Command;

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

fn main() {
    println!("cargo:rerun-if-env-changed=GLASSBOX_BUILD_COMMIT");
    let commit = std::env::var("GLASSBOX_BUILD_COMMIT").ok().filter(|c| !c.is_empty()).or_else(|| {
        let head = git(&["rev-parse", "HEAD"])?;
        // Rerun when HEAD moves or the index changes (a commit, a checkout, a stage).
        if let Some(dir) = git(&["rev-parse", "--absolute-git-dir"]) {
            println!("cargo:rerun-if-changed={dir}/HEAD");
            println!("cargo:rerun-if-changed={dir}/index");
            if let Some(r) = git(&["symbolic-ref", "-q", "HEAD"]) {
                println!("cargo:rerun-if-changed={dir}/{r}");
            }
        }
        let dirty = git(&["status", "--porcelain", "--untracked-files=no"]).is_some_and(|s| !s.is_empty());
        Some(if dirty { format!("{head}-dirty") } else { head })
    });
    if let Some(c) = commit {
        println!("cargo:rustc-env=GLASSBOX_BUILD_COMMIT={c}");
    }
}
