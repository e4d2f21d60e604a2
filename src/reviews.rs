//! Review dates: intervals, next review dates and each document's status
//! relative to "today".

use crate::dates::Interval;
use jiff::civil::Date;
use serde::Serialize;

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
