//! Dates and durations as written in front matter and configuration:
//! strict `YYYY-MM-DD` dates and calendar intervals (`12 months`).

use jiff::civil::Date;
use jiff::ToSpan;
use std::fmt;

/// A review interval such as `12 months` or `90 days`. Months and years are
/// calendar units (31 Jan + 1 month = 28/29 Feb), not fixed day counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Interval {
    Days(i64),
    Months(i64),
}

impl Interval {
    pub fn parse(text: &str) -> Result<Interval, String> {
        let t = text.trim().to_ascii_lowercase();
        let mut parts = t.split_whitespace();
        let (Some(n), Some(unit), None) = (parts.next(), parts.next(), parts.next()) else {
            return Err(format!("`{text}` is not a duration (expected a number and a unit)"));
        };
        let n: i64 = n
            .parse()
            .map_err(|_| format!("`{text}`: `{n}` is not a whole number"))?;
        if !(1..=100_000).contains(&n) {
            return Err(format!("`{text}`: the number must be between 1 and 100000"));
        }
        match unit.trim_end_matches('s') {
            "day" => Ok(Interval::Days(n)),
            "week" => Ok(Interval::Days(n * 7)),
            "month" => Ok(Interval::Months(n)),
            "year" => Ok(Interval::Months(n * 12)),
            _ => Err(format!(
                "`{text}`: unknown unit `{unit}` (use days, weeks, months or years)"
            )),
        }
    }

    /// `date` + this interval; `None` past the calendar's end (year 9999).
    pub fn add_to(self, date: Date) -> Option<Date> {
        match self {
            Interval::Days(d) => date.checked_add(d.days()).ok(),
            Interval::Months(m) => date.checked_add(m.months()).ok(),
        }
    }
}

impl fmt::Display for Interval {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (n, unit) = match *self {
            Interval::Days(d) if d % 7 == 0 && d >= 7 => (d / 7, "week"),
            Interval::Days(d) => (d, "day"),
            Interval::Months(m) if m % 12 == 0 => (m / 12, "year"),
            Interval::Months(m) => (m, "month"),
        };
        write!(f, "{n} {unit}{}", if n == 1 { "" } else { "s" })
    }
}

/// The system date, the default `--today`.
pub fn today() -> Date {
    jiff::Zoned::now().date()
}

/// Parses `YYYY-MM-DD` strictly (real calendar dates only).
pub fn parse_date(text: &str) -> Result<Date, String> {
    let t = text.trim();
    let ok_shape = t.len() == 10
        && t.bytes().enumerate().all(|(i, b)| match i {
            4 | 7 => b == b'-',
            _ => b.is_ascii_digit(),
        });
    if !ok_shape {
        return Err(format!("`{text}` is not a date in the form YYYY-MM-DD"));
    }
    t.parse::<Date>()
        .map_err(|_| format!("`{text}` is not a real calendar date"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn intervals_parse_in_all_units() {
        assert_eq!(Interval::parse("12 months"), Ok(Interval::Months(12)));
        assert_eq!(Interval::parse("1 year"), Ok(Interval::Months(12)));
        assert_eq!(Interval::parse("2 Years"), Ok(Interval::Months(24)));
        assert_eq!(Interval::parse("90 days"), Ok(Interval::Days(90)));
        assert_eq!(Interval::parse("6 weeks"), Ok(Interval::Days(42)));
        for bad in [
            "",
            "12",
            "twelve months",
            "0 days",
            "-3 days",
            "3 fortnights",
            "1 month extra",
        ] {
            assert!(Interval::parse(bad).is_err(), "{bad:?} should be rejected");
        }
    }

    #[test]
    fn month_arithmetic_is_calendar_correct() {
        let m1 = Interval::Months(1);
        assert_eq!(m1.add_to(date(2026, 1, 31)), Some(date(2026, 2, 28)));
        assert_eq!(m1.add_to(date(2028, 1, 31)), Some(date(2028, 2, 29)));
        assert_eq!(Interval::Months(12).add_to(date(2028, 2, 29)), Some(date(2029, 2, 28)));
        assert_eq!(Interval::Days(90).add_to(date(2026, 12, 1)), Some(date(2027, 3, 1)));
        assert_eq!(Interval::Months(12).add_to(date(9999, 6, 1)), None);
    }

    #[test]
    fn dates_are_strict() {
        assert_eq!(parse_date("2026-02-28"), Ok(date(2026, 2, 28)));
        assert!(parse_date("2026-02-29").is_err());
        assert!(parse_date("2026-2-3").is_err());
        assert!(parse_date("26-02-03").is_err());
        assert!(parse_date("2026/02/03").is_err());
    }
}
