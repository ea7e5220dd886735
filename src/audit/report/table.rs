//! The one Markdown table renderer of the report: a table is a list of columns, each a header and the
//! cell it shows for a row, so a header never drifts from its cells.

/// How a column shows a row.
type Cell<'a, R> = Box<dyn Fn(&R) -> String + 'a>;

/// The columns of a table of rows `R`.
pub(super) struct Table<'a, R> {
    headers: Vec<String>,
    cells: Vec<Cell<'a, R>>,
}

impl<'a, R> Table<'a, R> {
    /// A table without columns.
    pub(super) fn new() -> Self {
        Table { headers: Vec::new(), cells: Vec::new() }
    }

    /// Adds a column headed `header` whose cell for row `r` is `cell(r)`.
    pub(super) fn column(mut self, header: impl Into<String>, cell: impl Fn(&R) -> String + 'a) -> Self {
        self.headers.push(header.into());
        self.cells.push(Box::new(cell));
        self
    }

    /// The Markdown text of `rows` (one line per row, no newline after the last).
    pub(super) fn render(&self, rows: impl IntoIterator<Item = R>) -> String {
        let line = |cells: Vec<String>| format!("| {} |", cells.join(" | "));
        let mut lines = vec![line(self.headers.clone()), format!("|{}", " --- |".repeat(self.headers.len()))];
        lines.extend(rows.into_iter().map(|r| line(self.cells.iter().map(|cell| cell(&r)).collect())));
        lines.join("\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_render_as_a_markdown_table() {
        let t = Table::<(u8, &str)>::new().column("", |r| r.0.to_string()).column("name", |r| r.1.into());
        assert_eq!(t.render([(1, "a"), (2, "b")]), "|  | name |\n| --- | --- |\n| 1 | a |\n| 2 | b |");
    }
}
