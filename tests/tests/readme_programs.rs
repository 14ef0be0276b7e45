//! The README's three programs are the minimal examples, character for character: a reader
//! who copies one gets the file that `.ci/minimal-examples` runs and checks (a login and an
//! authenticated request), and the README's doctests compile it. Each example file is its
//! README block plus a `//!` header (how to run it).

const README: &str = include_str!("../../README.md");

/// The ```` ```rust ```` blocks of `markdown`, in order, without their fences.
fn rust_blocks(markdown: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Option<Vec<&str>> = None;
    for line in markdown.lines() {
        match &mut current {
            None if line.starts_with("```rust") => current = Some(Vec::new()),
            None => {}
            Some(_) if line == "```" => blocks.extend(current.take().map(|b| b.join("\n"))),
            Some(block) => block.push(line),
        }
    }
    blocks
}

/// An example file without its `//!` header and the blank lines after it.
fn program(file: &str) -> String {
    file.lines()
        .skip_while(|line| line.starts_with("//!"))
        .skip_while(|line| line.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

fn assert_in_readme(name: &str, file: &str) {
    let program = program(file);
    assert!(
        program.contains("#[tokio::main]") && program.contains("serve("),
        "examples/examples/{name}.rs is not a whole program"
    );
    let blocks = rust_blocks(README);
    assert!(
        blocks.contains(&program),
        "the README has no ```rust block equal to examples/examples/{name}.rs (without its //! \
         header); update one from the other. The README's Rust blocks:\n{}",
        blocks.join("\n-----\n")
    );
}

#[test]
fn the_sessions_program_is_the_sessions_example() {
    assert_in_readme(
        "sessions",
        include_str!("../../examples/examples/sessions.rs"),
    );
}

#[test]
fn the_jwt_api_program_is_the_jwt_api_example() {
    assert_in_readme(
        "jwt_api",
        include_str!("../../examples/examples/jwt_api.rs"),
    );
}

#[test]
fn the_hybrid_program_is_the_hybrid_example() {
    assert_in_readme("hybrid", include_str!("../../examples/examples/hybrid.rs"));
}

#[test]
fn the_readme_hides_no_lines() {
    // rustdoc hides `# ` lines in a doctest, but GitHub shows them: a reader must see the
    // whole program.
    for block in rust_blocks(README) {
        for line in block.lines() {
            assert!(
                !(line == "#" || line.starts_with("# ")),
                "a hidden doctest line in the README: {line}"
            );
        }
    }
}

#[test]
fn a_block_differing_by_one_character_is_told_apart() {
    let readme = "text\n```rust,no_run\nfn main() {}\n```\n";
    assert_eq!(rust_blocks(readme), vec!["fn main() {}".to_owned()]);
    assert_eq!(
        program("//! header\n//! more\n\nfn main() {}\n"),
        "fn main() {}"
    );
    assert!(!rust_blocks(readme).contains(&program("//! h\n\nfn main() { }\n")));
}
