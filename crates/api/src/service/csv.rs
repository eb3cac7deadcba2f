//! CSV exports: RFC 4180 (comma-separated, CRLF line ends, fields quoted when they hold a comma,
//! a quote or a line break, quotes doubled), a header row first, and no cell a spreadsheet
//! would run as a formula.

use std::borrow::Cow;

use crate::error::{ApiError, ApiResult};

/// Writes `header` and then each record.
pub fn write<I, R>(header: &[&str], records: I) -> ApiResult<Vec<u8>>
where
    I: IntoIterator<Item = R>,
    R: IntoIterator<Item = String>,
{
    write_records(header, records).map_err(|err| {
        tracing::error!(error = %err, "writing CSV failed");
        ApiError::Internal
    })
}

fn write_records<I, R>(header: &[&str], records: I) -> Result<Vec<u8>, csv::Error>
where
    I: IntoIterator<Item = R>,
    R: IntoIterator<Item = String>,
{
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .quote_style(csv::QuoteStyle::Necessary)
        .from_writer(Vec::new());
    writer.write_record(header)?;
    for record in records {
        writer.write_record(
            record
                .into_iter()
                .map(|field| neutralize_formula(&field).into_owned()),
        )?;
    }
    writer.into_inner().map_err(|err| err.into_error().into())
}

/// Spreadsheets run a cell that starts with `=`, `+`, `-` or `@` (or a tab or carriage
/// return, which some strip first) as a formula. A leading single quote makes it text.
fn neutralize_formula(field: &str) -> Cow<'_, str> {
    if field.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        Cow::Owned(format!("'{field}"))
    } else {
        Cow::Borrowed(field)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(header: &[&str], records: Vec<Vec<&str>>) -> String {
        let records = records
            .into_iter()
            .map(|record| record.into_iter().map(String::from).collect::<Vec<_>>());
        let Ok(Ok(text)) = write(header, records).map(String::from_utf8) else {
            panic!("no CSV");
        };
        text
    }

    #[test]
    fn cells_that_a_spreadsheet_would_run_are_made_text() {
        for formula in ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"] {
            assert!(neutralize_formula(formula).starts_with('\''), "{formula:?}");
        }
        assert_eq!(neutralize_formula("plain"), "plain");
    }

    #[test]
    fn the_export_quotes_by_rfc_4180() {
        let csv = text(&["a", "b"], vec![vec!["x,y \"z\"\nw", "=cmd"]]);
        assert_eq!(csv, "a,b\r\n\"x,y \"\"z\"\"\nw\",'=cmd\r\n");
    }
}
