//! Borrowed returns keep working together with `?`, early `return` and error
//! recording (tracing#2796: wrapping the body in a closure breaks them).

use trace_runtime::otel::trace::Status;
use trace_runtime::{testing, traced};

struct Store {
    names: Vec<String>,
}

#[derive(Debug)]
struct NotFound(usize);

impl std::fmt::Display for NotFound {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "no entry {}", self.0)
    }
}

impl std::error::Error for NotFound {}

impl Store {
    #[traced]
    fn first(&self) -> &str {
        &self.names[0]
    }

    #[traced]
    fn get(&self, index: usize) -> Result<&String, NotFound> {
        if index == usize::MAX {
            return Err(NotFound(index));
        }
        self.names.get(index).ok_or(NotFound(index))
    }

    #[traced]
    fn get_upper(&self, index: usize) -> Result<&str, NotFound> {
        let name = self.get(index)?;
        if name.is_empty() {
            return Ok("");
        }
        Ok(name.as_str())
    }

    #[traced]
    fn last_mut(&mut self) -> Option<&mut String> {
        self.names.last_mut()
    }
}

#[traced]
fn echo(input: &str) -> &str {
    input
}

#[traced]
fn split_first<'a>(input: &'a str, sep: char) -> Result<(&'a str, &'a str), NotFound> {
    let Some(at) = input.find(sep) else {
        return Err(NotFound(0));
    };
    Ok((&input[..at], &input[at + 1..]))
}

fn main() {
    let mut store = Store {
        names: vec![String::from("ada"), String::from("grace")],
    };
    let spans = testing::capture(|| {
        assert_eq!(store.first(), "ada");
        assert_eq!(store.get_upper(1).unwrap(), "grace");
        assert!(store.get_upper(9).is_err());
        assert!(store.get(usize::MAX).is_err());
        store.last_mut().unwrap().push('!');
        assert_eq!(echo("x"), "x");
        assert_eq!(split_first("a=b", '=').unwrap(), ("a", "b"));
        assert!(split_first("ab", '=').is_err());
    });
    assert_eq!(store.names[1], "grace!");

    // The `Err` left through `?` and the one left through `return` are
    // both recorded.
    let uppers = spans.all_named("get_upper");
    assert_eq!(uppers[0].status, Status::Unset);
    assert!(matches!(uppers[1].status, Status::Error { .. }));
    let gets = spans.all_named("get");
    assert!(matches!(gets.last().unwrap().status, Status::Error { .. }));
    let splits = spans.all_named("split_first");
    assert!(matches!(splits[1].status, Status::Error { .. }));
}
