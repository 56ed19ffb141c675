//! JSON Schema's `pattern`, evaluated as the specification defines it: an ECMA-262 regular
//! expression (with the `u` flag, as JSON Schema validators use it). The workspace has no regex
//! engine, and none in Rust speaks ECMA-262's dialect exactly, so node (which the end-to-end
//! tests need anyway, for wrangler) answers: one long-lived process, one line per question.

use serde_json::{json, Value};
use std::cell::RefCell;
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

/// Reads `[pattern, [value, …]]` per line and writes `[matches, …]` per line.
const SCRIPT: &str = r#"
const compiled = new Map();
require("readline").createInterface({ input: process.stdin }).on("line", (line) => {
  const [pattern, values] = JSON.parse(line);
  if (!compiled.has(pattern)) compiled.set(pattern, new RegExp(pattern, "u"));
  const re = compiled.get(pattern);
  process.stdout.write(JSON.stringify(values.map((v) => re.test(v))) + "\n");
});
"#;

struct Node {
    child: Child,
    input: ChildStdin,
    output: BufReader<ChildStdout>,
}

pub struct Patterns(RefCell<Node>);

impl Patterns {
    pub fn start() -> Patterns {
        let mut child = Command::new("node")
            .args(["-e", SCRIPT])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("node runs (wrangler needs it too)");
        let input = child.stdin.take().expect("node's stdin");
        let output = BufReader::new(child.stdout.take().expect("node's stdout"));
        Patterns(RefCell::new(Node {
            child,
            input,
            output,
        }))
    }

    /// Whether each of `values` matches `pattern`.
    pub fn test(&self, pattern: &str, values: &[String]) -> Vec<bool> {
        let mut node = self.0.borrow_mut();
        let question = json!([pattern, values]).to_string();
        writeln!(node.input, "{question}").expect("node reads");
        let mut answer = String::new();
        node.output.read_line(&mut answer).expect("node answers");
        let answer: Value = serde_json::from_str(&answer)
            .unwrap_or_else(|_| panic!("node could not evaluate the pattern {pattern:?}"));
        answer
            .as_array()
            .expect("an array of verdicts")
            .iter()
            .map(|v| v.as_bool().expect("a verdict"))
            .collect()
    }

    pub fn matches(&self, pattern: &str, value: &str) -> bool {
        self.test(pattern, &[value.to_owned()])[0]
    }

    /// The first of `candidates` that matches `pattern` (`want`) or does not (`!want`).
    pub fn first(&self, pattern: &str, candidates: &[String], want: bool) -> Option<usize> {
        self.test(pattern, candidates)
            .iter()
            .position(|&m| m == want)
    }
}

impl Drop for Patterns {
    fn drop(&mut self) {
        let node = self.0.get_mut();
        let _ = node.child.kill();
        let _ = node.child.wait();
    }
}
