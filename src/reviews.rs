//! Review dates: intervals, next review dates and each document's status
//! relative to "today".

use jiff::civil::Date;
use jiff::ToSpan;
use serde::Serialize;
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ReviewStatus {
    Overdue,
    DueSoon,
    Ok,
    /// No review date, on a type that must have one.
    Missing,
    /// No review date, and none is required (records, forms, …).
    None,
    /// Retired documents are exempt from review.
    Exempt,
}

impl ReviewStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ReviewStatus::Overdue => "overdue",
            ReviewStatus::DueSoon => "due-soon",
            ReviewStatus::Ok => "ok",
            ReviewStatus::Missing => "missing",
            ReviewStatus::None => "none",
            ReviewStatus::Exempt => "exempt",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            ReviewStatus::Overdue => "Overdue",
            ReviewStatus::DueSoon => "Due soon",
            ReviewStatus::Ok => "Current",
            ReviewStatus::Missing => "No review date",
            ReviewStatus::None => "Not scheduled",
            ReviewStatus::Exempt => "Exempt (retired)",
        }
    }
}

/// Review state of one document relative to `today`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Review {
    pub next: Option<Date>,
    pub status: ReviewStatus,
    /// Days from today to `next` (negative when overdue).
    pub days: Option<i64>,
}

pub struct ReviewInput {
    pub next_review: Option<Date>,
    pub last_reviewed: Option<Date>,
    pub interval: Option<Interval>,
    pub retired: bool,
    pub requires_review: bool,
}

pub fn review(input: &ReviewInput, default_interval: Interval, due_soon: Interval, today: Date) -> Review {
    let next = input.next_review.or_else(|| {
        input
            .last_reviewed
            .and_then(|d| input.interval.unwrap_or(default_interval).add_to(d))
    });
    let days = next.and_then(|n| today.until(n).ok()).map(|s| s.get_days() as i64);
    let status = if input.retired {
        ReviewStatus::Exempt
    } else {
        match next {
            None if input.requires_review => ReviewStatus::Missing,
            None => ReviewStatus::None,
            Some(n) if n < today => ReviewStatus::Overdue,
            Some(n) if due_soon.add_to(today).is_none_or(|limit| n <= limit) => ReviewStatus::DueSoon,
            Some(_) => ReviewStatus::Ok,
        }
    };
    Review { next, status, days }
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

    #[test]
    fn statuses_relative_to_today() {
        let today = date(2026, 11, 24);
        let base = |next| ReviewInput {
            next_review: next,
            last_reviewed: None,
            interval: None,
            retired: false,
            requires_review: true,
        };
        let r = |i: &ReviewInput| review(i, Interval::Months(12), Interval::Days(30), today);
        assert_eq!(r(&base(Some(date(2026, 11, 23)))).status, ReviewStatus::Overdue);
        assert_eq!(r(&base(Some(date(2026, 11, 23)))).days, Some(-1));
        assert_eq!(r(&base(Some(date(2026, 11, 24)))).status, ReviewStatus::DueSoon);
        assert_eq!(r(&base(Some(date(2026, 12, 24)))).status, ReviewStatus::DueSoon);
        assert_eq!(r(&base(Some(date(2026, 12, 25)))).status, ReviewStatus::Ok);
        assert_eq!(r(&base(None)).status, ReviewStatus::Missing);
        let mut retired = base(Some(date(2020, 1, 1)));
        retired.retired = true;
        assert_eq!(r(&retired).status, ReviewStatus::Exempt);
        let from_last = ReviewInput {
            next_review: None,
            last_reviewed: Some(date(2025, 11, 30)),
            interval: None,
            retired: false,
            requires_review: true,
        };
        let rv = r(&from_last);
        assert_eq!(rv.next, Some(date(2026, 11, 30)));
        assert_eq!(rv.status, ReviewStatus::DueSoon);
        assert_eq!(rv.days, Some(6));
    }
}
