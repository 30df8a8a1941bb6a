//! "Did you mean ...?" for a misspelt word: the known words closest to
//! what was written, by edit distance.
//!
//! The distance counts single-character insertions, deletions,
//! substitutions and swaps of two adjacent characters (so `nmae` is one
//! edit from `name`). A known word is suggested when it is at most one edit
//! away from a written word of up to three characters, or two edits from a
//! longer one: close enough to be a typo, far enough that a short unrelated
//! word (`id`) does not turn into a suggestion (`kind`).

/// The known words closest to `written`, in the order of `known`, or none
/// when none is close enough to be a typo of it. Letter case is ignored.
pub(crate) fn closest<'a>(written: &str, known: impl IntoIterator<Item = &'a str>) -> Vec<&'a str> {
    let written = written.to_ascii_lowercase();
    let limit = if written.chars().count() <= 3 { 1 } else { 2 };
    let mut best = Vec::new();
    let mut best_distance = limit;
    for word in known {
        let distance = distance(&written, word);
        if distance > best_distance {
            continue;
        }
        if distance < best_distance {
            best.clear();
            best_distance = distance;
        }
        best.push(word);
    }
    best
}

/// `did you mean `a`?`, or `did you mean `a` or `b`?` for several words,
/// or `None` for none.
pub(crate) fn did_you_mean(words: &[&str]) -> Option<String> {
    let quoted: Vec<String> = words.iter().map(|word| format!("`{word}`")).collect();
    let (last, rest) = quoted.split_last()?;
    Some(if rest.is_empty() {
        format!("did you mean {last}?")
    } else {
        format!("did you mean {} or {last}?", rest.join(", "))
    })
}

/// The number of edits (insert, delete, substitute, swap two adjacent
/// characters) that turn `a` into `b`, each character edited at most once.
fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    // Three rows of the table: the one being filled and the two above it.
    let mut before: Vec<usize> = vec![0; b.len() + 1];
    let mut above: Vec<usize> = (0..=b.len()).collect();
    let mut row: Vec<usize> = vec![0; b.len() + 1];
    for i in 1..=a.len() {
        row[0] = i;
        for j in 1..=b.len() {
            let substitution = usize::from(a[i - 1] != b[j - 1]);
            row[j] = (above[j] + 1)
                .min(row[j - 1] + 1)
                .min(above[j - 1] + substitution);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                row[j] = row[j].min(before[j - 2] + 1);
            }
        }
        std::mem::swap(&mut before, &mut above);
        std::mem::swap(&mut above, &mut row);
    }
    above[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    const ARGUMENTS: [&str; 5] = ["name", "kind", "ret", "root", "follows_from"];

    #[test]
    fn distance_counts_edits() {
        assert_eq!(distance("", ""), 0);
        assert_eq!(distance("name", "name"), 0);
        assert_eq!(distance("", "ret"), 3);
        assert_eq!(distance("ret", ""), 3);
        assert_eq!(distance("nme", "name"), 1);
        assert_eq!(distance("names", "name"), 1);
        assert_eq!(distance("nane", "name"), 1);
        assert_eq!(distance("nmae", "name"), 1);
        assert_eq!(distance("clent", "client"), 1);
        assert_eq!(distance("kitten", "sitting"), 3);
        assert_eq!(distance("ca", "abc"), 3);
    }

    #[test]
    fn near_misses_are_suggested() {
        assert_eq!(closest("nme", ARGUMENTS), ["name"]);
        assert_eq!(closest("nmae", ARGUMENTS), ["name"]);
        assert_eq!(closest("Name", ARGUMENTS), ["name"]);
        assert_eq!(closest("kinds", ARGUMENTS), ["kind"]);
        assert_eq!(closest("follow_from", ARGUMENTS), ["follows_from"]);
        assert_eq!(closest("folows_fro", ARGUMENTS), ["follows_from"]);
    }

    #[test]
    fn ties_are_all_suggested_in_order() {
        assert_eq!(closest("rot", ARGUMENTS), ["ret", "root"]);
    }

    #[test]
    fn far_words_are_not_suggested() {
        assert!(closest("level", ARGUMENTS).is_empty());
        assert!(closest("id", ARGUMENTS).is_empty());
        assert!(closest("x", ARGUMENTS).is_empty());
        assert!(closest("", ARGUMENTS).is_empty());
        assert!(closest("fols_fro", ARGUMENTS).is_empty());
    }

    #[test]
    fn did_you_mean_lists_words() {
        assert_eq!(did_you_mean(&[]), None);
        assert_eq!(did_you_mean(&["name"]).unwrap(), "did you mean `name`?");
        assert_eq!(
            did_you_mean(&["ret", "root"]).unwrap(),
            "did you mean `ret` or `root`?"
        );
        assert_eq!(
            did_you_mean(&["a", "b", "c"]).unwrap(),
            "did you mean `a`, `b` or `c`?"
        );
    }
}
