//! When a review runs: once, or again and again until an end (`entra-governance.md` §1.11,
//! "Recurrence").
//!
//! Occurrence `n` (counted from 0) starts `n` periods after the first start, each counted from
//! the first start rather than from the previous occurrence: a monthly review first run on
//! 31 January runs on 28 (or 29) February, then on 31 March, not on the 28th for ever after.
//! A day that a month does not have becomes that month's last day. Weeks are 7 days of 24 hours
//! on UTC instants, as every duration in Tessera; months and years follow the UTC calendar.
//!
//! The end rule stops new occurrences, never a running one: with "end on a date", the last
//! occurrence is the last that starts at or before that instant, and it runs its full length.

use chrono::{DateTime, Months, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use crate::assignment::{MAX_START_AHEAD, START_TOLERANCE};
use crate::policy::Errors;

/// The most occurrences "end after N occurrences" may ask for: nearly twenty years of weekly
/// reviews. A series meant to run longer ends never.
pub const MAX_OCCURRENCES: u32 = 1000;

/// How often a recurring review starts again.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::VariantArray,
)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Frequency {
    Weekly,
    Monthly,
    Quarterly,
    SemiAnnually,
    Annually,
}

/// How far apart two starts are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Period {
    Days(u32),
    Months(u32),
}

impl Frequency {
    pub const ALL: [Frequency; 5] = crate::variants::all();

    /// The wire spelling.
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// The shortest time between two consecutive starts, in whole days, whatever the first
    /// start: an instance no longer than this always ends before the next one starts.
    ///
    /// Months are as short as 28 days (31 January to 28 February); three months as short as
    /// 89 (28 February to 28 May); six as short as 181 (31 August to 28 February); a year is
    /// at least 365 days (29 February to 28 February). A property test checks these bounds
    /// against the occurrence arithmetic.
    pub fn shortest_period_days(self) -> u16 {
        match self {
            Frequency::Weekly => 7,
            Frequency::Monthly => 28,
            Frequency::Quarterly => 89,
            Frequency::SemiAnnually => 181,
            Frequency::Annually => 365,
        }
    }

    fn period(self) -> Period {
        match self {
            Frequency::Weekly => Period::Days(7),
            Frequency::Monthly => Period::Months(1),
            Frequency::Quarterly => Period::Months(3),
            Frequency::SemiAnnually => Period::Months(6),
            Frequency::Annually => Period::Months(12),
        }
    }
}

/// The schedule of a review definition, as an administrator writes it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum ScheduleInput {
    /// One instance, starting at `starts_at`.
    OneTime { starts_at: DateTime<Utc> },
    /// A first instance at `starts_at`, then one every period until the end.
    Recurring {
        starts_at: DateTime<Utc>,
        frequency: Frequency,
        /// When no further instance starts; never when left out.
        #[serde(default)]
        end: EndInput,
    },
}

impl ScheduleInput {
    pub fn starts_at(&self) -> DateTime<Utc> {
        match self {
            ScheduleInput::OneTime { starts_at } | ScheduleInput::Recurring { starts_at, .. } => {
                *starts_at
            }
        }
    }
}

/// When a recurring review stops starting new instances, as an administrator writes it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum EndInput {
    /// The series runs until the definition is deleted or given an end.
    // `{}` so that serde refuses `{"type":"never","occurrences":3}` instead of ignoring it.
    Never {},
    /// No instance starts after this instant, which must follow the first start.
    OnDate { at: DateTime<Utc> },
    /// This many instances in all, the first included: 1 to 1000.
    AfterOccurrences {
        #[cfg_attr(feature = "server", schema(minimum = 1, maximum = 1000))]
        occurrences: u32,
    },
}

impl Default for EndInput {
    fn default() -> Self {
        EndInput::Never {}
    }
}

/// A validated schedule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReviewSchedule {
    pub(crate) starts_at: DateTime<Utc>,
    pub(crate) recurrence: Recurrence,
}

/// Whether and how a validated schedule repeats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Recurrence {
    Once,
    Repeats {
        frequency: Frequency,
        end: RecurrenceEnd,
    },
}

/// A validated end rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecurrenceEnd {
    Never,
    /// No occurrence starts after this instant.
    OnDate(DateTime<Utc>),
    /// This many occurrences in all: 1 to [`MAX_OCCURRENCES`].
    AfterOccurrences(u32),
}

/// One start of a schedule: its number (the first is 0) and when it starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct Occurrence {
    pub index: u32,
    pub starts_at: DateTime<Utc>,
}

impl ReviewSchedule {
    /// When the first instance starts.
    pub fn starts_at(&self) -> DateTime<Utc> {
        self.starts_at
    }

    pub fn recurrence(&self) -> Recurrence {
        self.recurrence
    }

    /// How often it repeats; `None` for a one-time review.
    pub fn frequency(&self) -> Option<Frequency> {
        match self.recurrence {
            Recurrence::Once => None,
            Recurrence::Repeats { frequency, .. } => Some(frequency),
        }
    }

    /// The schedule as an administrator would write it.
    pub fn to_input(&self) -> ScheduleInput {
        match self.recurrence {
            Recurrence::Once => ScheduleInput::OneTime {
                starts_at: self.starts_at,
            },
            Recurrence::Repeats { frequency, end } => ScheduleInput::Recurring {
                starts_at: self.starts_at,
                frequency,
                end: match end {
                    RecurrenceEnd::Never => EndInput::Never {},
                    RecurrenceEnd::OnDate(at) => EndInput::OnDate { at },
                    RecurrenceEnd::AfterOccurrences(occurrences) => {
                        EndInput::AfterOccurrences { occurrences }
                    }
                },
            },
        }
    }
}

/// When occurrence `n` (the first is 0) starts, or `None` when the schedule has no such
/// occurrence: a one-time review has only the first, and the end rule cuts a series off.
/// Also `None` past the year 262143, which chrono can't represent.
pub fn occurrence_start(schedule: &ReviewSchedule, n: u32) -> Option<DateTime<Utc>> {
    let (frequency, end) = match schedule.recurrence {
        Recurrence::Once => return (n == 0).then_some(schedule.starts_at),
        Recurrence::Repeats { frequency, end } => (frequency, end),
    };
    if let RecurrenceEnd::AfterOccurrences(count) = end
        && n >= count
    {
        return None;
    }
    let start = nth_start(schedule.starts_at, frequency, n)?;
    match end {
        RecurrenceEnd::OnDate(at) if start > at => None,
        RecurrenceEnd::OnDate(_) | RecurrenceEnd::Never | RecurrenceEnd::AfterOccurrences(_) => {
            Some(start)
        }
    }
}

/// The first occurrence not yet started (numbered `already_started_count` or more) that starts
/// strictly after `after`; `None` when the schedule has none left.
///
/// A sweeper that last started occurrence `k - 1` asks with `already_started_count = k`. To
/// skip the occurrences whose whole instance it missed (the service was down), it asks with
/// `after = now - instance duration`: what comes back started less than one instance duration
/// ago (start it now, a little late) or starts later (wait for it).
/// [`super::ValidReviewDefinition::next_occurrence`] does exactly that.
pub fn next_start_after(
    schedule: &ReviewSchedule,
    after: DateTime<Utc>,
    already_started_count: u32,
) -> Option<Occurrence> {
    let mut index = already_started_count.max(lower_bound(schedule, after));
    loop {
        let starts_at = occurrence_start(schedule, index)?;
        if starts_at > after {
            return Some(Occurrence { index, starts_at });
        }
        index = index.checked_add(1)?;
    }
}

/// An occurrence number whose start is at or before `after` (or 0), so that the search for
/// the next start need not walk every period since the first. Starts increase with `n`, so
/// nothing before it can start after `after`.
fn lower_bound(schedule: &ReviewSchedule, after: DateTime<Utc>) -> u32 {
    let Some(frequency) = schedule.frequency() else {
        return 0;
    };
    let first = schedule.starts_at;
    if after <= first {
        return 0;
    }
    let periods = match frequency.period() {
        // Whole days between them, truncated: `first + 7 * (days / 7)` days is not after `after`.
        Period::Days(days) => (after - first).num_days() / i64::from(days),
        // Counting calendar months between them, the month before `after`'s lies wholly before
        // it, and so does any start landing in it.
        Period::Months(months) => {
            let month_index = |at: DateTime<Utc>| {
                use chrono::Datelike;
                i64::from(at.year()) * 12 + i64::from(at.month0())
            };
            (month_index(after) - month_index(first) - 1).max(0) / i64::from(months)
        }
    };
    u32::try_from(periods).unwrap_or(u32::MAX)
}

fn nth_start(first: DateTime<Utc>, frequency: Frequency, n: u32) -> Option<DateTime<Utc>> {
    match frequency.period() {
        Period::Days(days) => {
            let delta = TimeDelta::try_days(i64::from(n).checked_mul(i64::from(days))?)?;
            first.checked_add_signed(delta)
        }
        // chrono clamps to the month's last day, counting from `first` every time.
        Period::Months(months) => first.checked_add_months(Months::new(n.checked_mul(months)?)),
    }
}

/// The rules that hold whenever: an end date after the first start, a count in range.
pub(crate) fn validate(errors: &mut Errors, input: &ScheduleInput) -> Option<ReviewSchedule> {
    let before = errors.len();
    let (starts_at, recurrence) = match input {
        ScheduleInput::OneTime { starts_at } => (*starts_at, Recurrence::Once),
        ScheduleInput::Recurring {
            starts_at,
            frequency,
            end,
        } => {
            let end = match end {
                EndInput::Never {} => RecurrenceEnd::Never,
                EndInput::OnDate { at } => {
                    if at <= starts_at {
                        errors.add("schedule.end.at", "must be after the first start");
                    }
                    RecurrenceEnd::OnDate(*at)
                }
                EndInput::AfterOccurrences { occurrences } => {
                    if !(1..=MAX_OCCURRENCES).contains(occurrences) {
                        errors.add(
                            "schedule.end.occurrences",
                            format!("must be between 1 and {MAX_OCCURRENCES}"),
                        );
                    }
                    RecurrenceEnd::AfterOccurrences(*occurrences)
                }
            };
            (
                *starts_at,
                Recurrence::Repeats {
                    frequency: *frequency,
                    end,
                },
            )
        }
    };
    (errors.len() == before).then_some(ReviewSchedule {
        starts_at,
        recurrence,
    })
}

/// The rules that depend on when the definition is saved: a first start that is not in the
/// past (a few minutes of clock drift aside) and not more than five years ahead, as for
/// assignments.
pub(crate) fn validate_at(errors: &mut Errors, input: &ScheduleInput, now: DateTime<Utc>) {
    let starts_at = input.starts_at();
    if starts_at < now - START_TOLERANCE {
        errors.add("schedule.starts_at", "must not be in the past");
    } else if starts_at > now + MAX_START_AHEAD {
        errors.add("schedule.starts_at", "must be within five years from now");
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use chrono::{Datelike, TimeZone};
    use proptest::prelude::*;

    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn repeats(first: &str, frequency: Frequency, end: RecurrenceEnd) -> ReviewSchedule {
        ReviewSchedule {
            starts_at: at(first),
            recurrence: Recurrence::Repeats { frequency, end },
        }
    }

    fn starts(schedule: &ReviewSchedule, count: u32) -> Vec<Option<DateTime<Utc>>> {
        (0..count).map(|n| occurrence_start(schedule, n)).collect()
    }

    #[test]
    fn occurrences_follow_the_calendar_from_the_first_start() {
        use Frequency::*;
        let never = RecurrenceEnd::Never;
        let cases: Vec<(&str, ReviewSchedule, Vec<&str>)> = vec![
            (
                "weekly adds seven days of 24 hours",
                repeats("2026-03-02T09:30:00Z", Weekly, never),
                vec![
                    "2026-03-02T09:30:00Z",
                    "2026-03-09T09:30:00Z",
                    "2026-03-16T09:30:00Z",
                ],
            ),
            (
                "monthly keeps the day of month",
                repeats("2026-01-15T08:00:00Z", Monthly, never),
                vec![
                    "2026-01-15T08:00:00Z",
                    "2026-02-15T08:00:00Z",
                    "2026-03-15T08:00:00Z",
                ],
            ),
            (
                "monthly on the 31st falls on each month's last day, then comes back",
                repeats("2026-01-31T08:00:00Z", Monthly, never),
                vec![
                    "2026-01-31T08:00:00Z",
                    "2026-02-28T08:00:00Z",
                    "2026-03-31T08:00:00Z",
                    "2026-04-30T08:00:00Z",
                    "2026-05-31T08:00:00Z",
                ],
            ),
            (
                "monthly on the 30th meets a leap February",
                repeats("2028-01-30T00:00:00Z", Monthly, never),
                vec![
                    "2028-01-30T00:00:00Z",
                    "2028-02-29T00:00:00Z",
                    "2028-03-30T00:00:00Z",
                ],
            ),
            (
                "quarterly adds three months",
                repeats("2025-11-30T12:00:00Z", Quarterly, never),
                vec![
                    "2025-11-30T12:00:00Z",
                    "2026-02-28T12:00:00Z",
                    "2026-05-30T12:00:00Z",
                ],
            ),
            (
                "semi-annually adds six months",
                repeats("2026-08-31T00:00:00Z", SemiAnnually, never),
                vec![
                    "2026-08-31T00:00:00Z",
                    "2027-02-28T00:00:00Z",
                    "2027-08-31T00:00:00Z",
                ],
            ),
            (
                "annually from 29 February lands on the 28th, and on the 29th in leap years",
                repeats("2024-02-29T00:00:00Z", Annually, never),
                vec![
                    "2024-02-29T00:00:00Z",
                    "2025-02-28T00:00:00Z",
                    "2026-02-28T00:00:00Z",
                    "2027-02-28T00:00:00Z",
                    "2028-02-29T00:00:00Z",
                ],
            ),
        ];
        for (name, schedule, expected) in cases {
            let expected: Vec<_> = expected.into_iter().map(|s| Some(at(s))).collect();
            assert_eq!(starts(&schedule, expected.len() as u32), expected, "{name}");
        }
    }

    #[test]
    fn the_end_rule_cuts_the_series_off() {
        let once = ReviewSchedule {
            starts_at: at("2026-03-02T00:00:00Z"),
            recurrence: Recurrence::Once,
        };
        assert_eq!(
            starts(&once, 3),
            vec![Some(at("2026-03-02T00:00:00Z")), None, None],
            "a one-time review has one occurrence"
        );
        let counted = repeats(
            "2026-03-02T00:00:00Z",
            Frequency::Weekly,
            RecurrenceEnd::AfterOccurrences(2),
        );
        assert_eq!(
            starts(&counted, 3),
            vec![
                Some(at("2026-03-02T00:00:00Z")),
                Some(at("2026-03-09T00:00:00Z")),
                None
            ],
            "after two occurrences"
        );
        let dated = repeats(
            "2026-01-31T00:00:00Z",
            Frequency::Monthly,
            RecurrenceEnd::OnDate(at("2026-03-31T00:00:00Z")),
        );
        assert_eq!(
            starts(&dated, 4),
            vec![
                Some(at("2026-01-31T00:00:00Z")),
                Some(at("2026-02-28T00:00:00Z")),
                Some(at("2026-03-31T00:00:00Z")),
                None
            ],
            "an occurrence starting exactly at the end date still starts"
        );
    }

    #[test]
    fn the_next_start_is_the_first_not_started_one_after_the_instant() {
        let weekly = repeats(
            "2026-03-02T00:00:00Z",
            Frequency::Weekly,
            RecurrenceEnd::AfterOccurrences(4),
        );
        let next = |after: &str, started: u32| {
            next_start_after(&weekly, at(after), started).map(|o| (o.index, o.starts_at))
        };
        let cases = [
            (
                "before the first start",
                "2026-03-01T00:00:00Z",
                0,
                Some((0, "2026-03-02T00:00:00Z")),
            ),
            (
                "exactly at a start, that one is not after",
                "2026-03-02T00:00:00Z",
                0,
                Some((1, "2026-03-09T00:00:00Z")),
            ),
            (
                "occurrences already started are skipped",
                "2026-03-01T00:00:00Z",
                2,
                Some((2, "2026-03-16T00:00:00Z")),
            ),
            (
                "between two starts",
                "2026-03-10T00:00:00Z",
                1,
                Some((2, "2026-03-16T00:00:00Z")),
            ),
            (
                "the last occurrence",
                "2026-03-17T00:00:00Z",
                0,
                Some((3, "2026-03-23T00:00:00Z")),
            ),
            ("after the last occurrence", "2026-03-24T00:00:00Z", 0, None),
            ("every occurrence started", "2026-03-01T00:00:00Z", 4, None),
        ];
        for (name, after, started, expected) in cases {
            assert_eq!(
                next(after, started),
                expected.map(|(index, s)| (index, at(s))),
                "{name}"
            );
        }
    }

    #[test]
    fn a_far_instant_is_found_without_walking_every_period() {
        let monthly = repeats(
            "2000-01-31T00:00:00Z",
            Frequency::Monthly,
            RecurrenceEnd::Never,
        );
        let found = next_start_after(&monthly, at("9999-12-15T00:00:00Z"), 0).unwrap();
        assert_eq!(found.starts_at, at("9999-12-31T00:00:00Z"));
        assert_eq!(found.index, (9999 - 2000) * 12 + 11);
    }

    #[test]
    fn schedule_rules_are_reported_at_their_paths() {
        let first = at("2026-03-02T00:00:00Z");
        let cases: Vec<(ScheduleInput, Vec<&str>)> = vec![
            (ScheduleInput::OneTime { starts_at: first }, vec![]),
            (
                ScheduleInput::Recurring {
                    starts_at: first,
                    frequency: Frequency::Monthly,
                    end: EndInput::OnDate { at: first },
                },
                vec!["schedule.end.at"],
            ),
            (
                ScheduleInput::Recurring {
                    starts_at: first,
                    frequency: Frequency::Monthly,
                    end: EndInput::AfterOccurrences { occurrences: 0 },
                },
                vec!["schedule.end.occurrences"],
            ),
            (
                ScheduleInput::Recurring {
                    starts_at: first,
                    frequency: Frequency::Monthly,
                    end: EndInput::AfterOccurrences { occurrences: 1001 },
                },
                vec!["schedule.end.occurrences"],
            ),
        ];
        for (input, expected) in cases {
            let mut errors = Errors::default();
            let valid = validate(&mut errors, &input);
            let fields: Vec<String> = errors.into_vec().into_iter().map(|e| e.field).collect();
            if expected.is_empty() {
                assert!(valid.is_some(), "{input:?}: {fields:?}");
                assert_eq!(valid.map(|s| s.to_input()), Some(input));
            } else {
                assert_eq!(fields, expected, "{input:?}");
            }
        }
    }

    fn any_instant() -> impl Strategy<Value = DateTime<Utc>> {
        // 2000-01-01 to 2100-01-01, to the second.
        (946_684_800i64..4_102_444_800).prop_map(|secs| {
            Utc.timestamp_opt(secs, 0)
                .single()
                .unwrap_or(DateTime::<Utc>::MIN_UTC)
        })
    }

    fn any_frequency() -> impl Strategy<Value = Frequency> {
        proptest::sample::select(Frequency::ALL.to_vec())
    }

    fn any_schedule() -> impl Strategy<Value = ReviewSchedule> {
        (
            any_instant(),
            any_frequency(),
            0u8..4,
            1u32..=40,
            1i64..=4000,
        )
            .prop_map(|(starts_at, frequency, end, count, days)| {
                let end = match end {
                    0 => {
                        return ReviewSchedule {
                            starts_at,
                            recurrence: Recurrence::Once,
                        };
                    }
                    1 => RecurrenceEnd::Never,
                    2 => RecurrenceEnd::AfterOccurrences(count),
                    // After the first start, as validation demands.
                    _ => RecurrenceEnd::OnDate(starts_at + TimeDelta::days(days)),
                };
                ReviewSchedule {
                    starts_at,
                    recurrence: Recurrence::Repeats { frequency, end },
                }
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1000))]

        /// Starts strictly increase, at least the frequency's shortest period apart; the first
        /// is the schedule's start; none starts after the end date, and a count ends the
        /// series after exactly that many; once an occurrence is missing, all later are.
        #[test]
        fn occurrence_starts_strictly_increase_and_respect_the_end(schedule in any_schedule()) {
            prop_assert_eq!(occurrence_start(&schedule, 0), Some(schedule.starts_at));
            let mut previous: Option<DateTime<Utc>> = None;
            let mut ended = false;
            for n in 0..60u32 {
                let start = occurrence_start(&schedule, n);
                match (start, schedule.recurrence) {
                    (None, Recurrence::Once) => prop_assert!(n > 0),
                    (Some(_), Recurrence::Once) => prop_assert_eq!(n, 0),
                    (None, Recurrence::Repeats { end, .. }) => match end {
                        RecurrenceEnd::Never => prop_assert!(false, "a never-ending series ended at {}", n),
                        RecurrenceEnd::AfterOccurrences(count) => prop_assert!(n >= count),
                        RecurrenceEnd::OnDate(_) => {}
                    },
                    (Some(start), Recurrence::Repeats { frequency, end }) => {
                        prop_assert!(!ended, "occurrence {} after the series ended", n);
                        match end {
                            RecurrenceEnd::OnDate(at) => prop_assert!(start <= at),
                            RecurrenceEnd::AfterOccurrences(count) => prop_assert!(n < count),
                            RecurrenceEnd::Never => {}
                        }
                        if let Some(previous) = previous {
                            prop_assert!(start > previous);
                            let gap = start - previous;
                            prop_assert!(
                                gap >= TimeDelta::days(i64::from(frequency.shortest_period_days())),
                                "{:?}: {} to {} is shorter than the shortest period", frequency, previous, start
                            );
                        }
                        if let Frequency::Monthly | Frequency::Quarterly | Frequency::SemiAnnually | Frequency::Annually = frequency {
                            // Same day of month, or the month's last day when it is shorter.
                            prop_assert!(
                                start.day() == schedule.starts_at.day()
                                    || (start.day() < schedule.starts_at.day()
                                        && (start + TimeDelta::days(1)).day() == 1)
                            );
                            prop_assert_eq!(start.time(), schedule.starts_at.time());
                        }
                    }
                }
                match start {
                    Some(start) => previous = Some(start),
                    None => ended = true,
                }
            }
        }

        /// The next start after an instant is the first occurrence, among those not yet
        /// started, whose start is strictly after it: the same answer as walking them all.
        #[test]
        fn the_next_start_is_what_walking_every_occurrence_finds(
            schedule in any_schedule(),
            after in any_instant(),
            started in 0u32..30,
        ) {
            let walked = (started..2000)
                .map_while(|n| occurrence_start(&schedule, n).map(|s| (n, s)))
                .find(|(_, s)| *s > after);
            let found = next_start_after(&schedule, after, started);
            match walked {
                Some((index, starts_at)) => prop_assert_eq!(found, Some(Occurrence { index, starts_at })),
                // Walking stopped at 2000 occurrences; a weekly never-ending series may go on.
                None => if let Some(found) = found {
                    prop_assert!(found.index >= 2000 && found.starts_at > after);
                },
            }
        }
    }
}
