use super::*;
use crate::rules::sigma::CmpOp;
use std::path::PathBuf;

const S: i64 = 1000;

fn corr(kind: CorrelationKind, rules: usize, predicates: Vec<(CmpOp, u64)>) -> Correlation {
    Correlation {
        kind,
        rules: (0..rules).map(|i| format!("r{i}")).collect(),
        group_by: vec!["user".into()],
        timespan_ms: 10 * S,
        timespan: "10s".into(),
        predicates,
        field: (kind == CorrelationKind::ValueCount).then(|| "ip".to_string()),
        aliases: Vec::new(),
        generate: false,
        fields_from: None,
        path: PathBuf::from("c.yml"),
        line: None,
    }
}

/// Points `(seconds, role, user, value)`; the event is the position.
fn pts(spec: &[(i64, usize, &str, &str)]) -> Vec<Point> {
    spec.iter()
        .enumerate()
        .map(|(i, &(t, role, user, value))| Point {
            time: t * S,
            event: i,
            role,
            group: vec![user.to_string()],
            value: Some(value.to_string()),
        })
        .collect()
}

fn events(m: &[Vec<usize>], p: &[Point]) -> Vec<Vec<usize>> {
    m.iter()
        .map(|w| w.iter().map(|&i| p[i].event).collect())
        .collect()
}

#[test]
fn event_count_window_includes_exactly_the_timespan() {
    let c = corr(CorrelationKind::EventCount, 1, vec![(CmpOp::Gte, 3)]);
    let p = pts(&[(0, 0, "a", ""), (5, 0, "a", ""), (10, 0, "a", "")]);
    assert_eq!(events(&windows(&c, &p), &p), vec![vec![0, 1, 2]]);
}

#[test]
fn event_count_window_just_over_the_timespan_does_not_match() {
    let c = corr(CorrelationKind::EventCount, 1, vec![(CmpOp::Gte, 3)]);
    let p = pts(&[(0, 0, "a", ""), (5, 0, "a", ""), (10, 0, "a", "")]);
    let mut late = p.clone();
    late[2].time = 10 * S + 1;
    assert!(windows(&c, &late).is_empty());
}

#[test]
fn a_burst_is_one_finding_and_a_later_start_can_still_match() {
    let c = corr(CorrelationKind::EventCount, 1, vec![(CmpOp::Gte, 3)]);
    // A lone event, then a burst 8s later that runs past its window.
    let p = pts(&[
        (0, 0, "a", ""),
        (8, 0, "a", ""),
        (12, 0, "a", ""),
        (14, 0, "a", ""),
        (15, 0, "a", ""),
    ]);
    assert_eq!(events(&windows(&c, &p), &p), vec![vec![1, 2, 3, 4]]);
}

#[test]
fn event_count_range_and_lt() {
    let range = corr(
        CorrelationKind::EventCount,
        1,
        vec![(CmpOp::Gt, 1), (CmpOp::Lte, 2)],
    );
    let two = pts(&[(0, 0, "a", ""), (1, 0, "a", "")]);
    let three = pts(&[(0, 0, "a", ""), (1, 0, "a", ""), (2, 0, "a", "")]);
    let one = pts(&[(0, 0, "a", "")]);
    assert_eq!(events(&windows(&range, &two), &two), vec![vec![0, 1]]);
    assert!(windows(&range, &one).is_empty());
    // The window from the first event holds three (out of range); the one
    // from the second holds two.
    assert_eq!(events(&windows(&range, &three), &three), vec![vec![1, 2]]);
}

#[test]
fn group_by_separates_accounts() {
    let c = corr(CorrelationKind::EventCount, 1, vec![(CmpOp::Gte, 3)]);
    let p = pts(&[
        (0, 0, "a", ""),
        (1, 0, "b", ""),
        (2, 0, "a", ""),
        (3, 0, "b", ""),
    ]);
    assert!(windows(&c, &p).is_empty());
    let p = pts(&[
        (0, 0, "a", ""),
        (1, 0, "b", ""),
        (2, 0, "a", ""),
        (3, 0, "a", ""),
    ]);
    assert_eq!(events(&windows(&c, &p), &p), vec![vec![0, 2, 3]]);
}

#[test]
fn value_count_counts_distinct_values() {
    let c = corr(CorrelationKind::ValueCount, 1, vec![(CmpOp::Gte, 3)]);
    let same = pts(&[
        (0, 0, "a", "x"),
        (1, 0, "a", "x"),
        (2, 0, "a", "y"),
        (3, 0, "a", "y"),
    ]);
    assert!(windows(&c, &same).is_empty());
    let three = pts(&[
        (0, 0, "a", "x"),
        (1, 0, "a", "x"),
        (2, 0, "a", "y"),
        (3, 0, "a", "z"),
    ]);
    assert_eq!(events(&windows(&c, &three), &three), vec![vec![0, 1, 2, 3]]);
}

#[test]
fn value_count_forgets_values_that_leave_the_window() {
    let c = corr(CorrelationKind::ValueCount, 1, vec![(CmpOp::Gte, 3)]);
    // x leaves the window before z arrives: only y and z are ever together.
    let p = pts(&[(0, 0, "a", "x"), (5, 0, "a", "y"), (11, 0, "a", "z")]);
    assert!(windows(&c, &p).is_empty());
}

#[test]
fn temporal_is_unordered_and_ordered_is_not() {
    let t = corr(CorrelationKind::Temporal, 2, vec![(CmpOp::Gte, 2)]);
    let o = corr(CorrelationKind::TemporalOrdered, 2, vec![(CmpOp::Gte, 2)]);
    let b_then_a = pts(&[(0, 1, "a", ""), (3, 0, "a", "")]);
    let a_then_b = pts(&[(0, 0, "a", ""), (3, 1, "a", "")]);
    assert_eq!(events(&windows(&t, &b_then_a), &b_then_a), vec![vec![0, 1]]);
    assert!(windows(&o, &b_then_a).is_empty());
    assert_eq!(events(&windows(&o, &a_then_b), &a_then_b), vec![vec![0, 1]]);
}

#[test]
fn temporal_needs_every_rule_within_the_timespan() {
    let t = corr(CorrelationKind::Temporal, 2, vec![(CmpOp::Gte, 2)]);
    let o = corr(CorrelationKind::TemporalOrdered, 2, vec![(CmpOp::Gte, 2)]);
    let at = pts(&[(0, 0, "a", ""), (10, 1, "a", "")]);
    let over = {
        let mut p = at.clone();
        p[1].time += 1;
        p
    };
    let only_a = pts(&[(0, 0, "a", ""), (1, 0, "a", "")]);
    for c in [&t, &o] {
        assert_eq!(windows(c, &at).len(), 1, "{:?}", c.kind);
        assert!(windows(c, &over).is_empty(), "{:?}", c.kind);
        assert!(windows(c, &only_a).is_empty(), "{:?}", c.kind);
    }
}

#[test]
fn temporal_groups_must_agree() {
    let o = corr(CorrelationKind::TemporalOrdered, 2, vec![(CmpOp::Gte, 2)]);
    let p = pts(&[(0, 0, "a", ""), (3, 1, "b", "")]);
    assert!(windows(&o, &p).is_empty());
}

#[test]
fn ordered_takes_the_earliest_chain_and_uses_its_events_up() {
    let o = corr(CorrelationKind::TemporalOrdered, 2, vec![(CmpOp::Gte, 2)]);
    // One first step, three second steps: one finding.
    let p = pts(&[
        (0, 0, "a", ""),
        (1, 1, "a", ""),
        (2, 1, "a", ""),
        (3, 1, "a", ""),
    ]);
    assert_eq!(events(&windows(&o, &p), &p), vec![vec![0, 1]]);
    // A stale first step does not hide a fresh one.
    let p = pts(&[(0, 0, "a", ""), (20, 0, "a", ""), (25, 1, "a", "")]);
    assert_eq!(events(&windows(&o, &p), &p), vec![vec![1, 2]]);
}

#[test]
fn one_event_is_not_a_sequence_on_its_own() {
    let o = corr(CorrelationKind::TemporalOrdered, 2, vec![(CmpOp::Gte, 2)]);
    // Event 0 matched both referred rules.
    let mut p = pts(&[(0, 0, "a", ""), (0, 1, "a", "")]);
    p[1].event = 0;
    assert!(windows(&o, &p).is_empty());
}

#[test]
fn ordered_reads_events_of_the_same_time_as_in_order() {
    let o = corr(CorrelationKind::TemporalOrdered, 3, vec![(CmpOp::Gte, 3)]);
    // CloudTrail times have whole seconds and files list events in any
    // order (Stratus's newest first): steps 2, 1, 0 within one second are
    // a sequence; the chain is given in step order.
    let p = pts(&[(5, 2, "a", ""), (5, 1, "a", ""), (5, 0, "a", "")]);
    assert_eq!(events(&windows(&o, &p), &p), vec![vec![2, 1, 0]]);
    // A step one second earlier than the step before it is still out of order.
    let p = pts(&[(4, 1, "a", ""), (5, 0, "a", ""), (6, 2, "a", "")]);
    assert!(windows(&o, &p).is_empty());
    // A later step at the first step's time, then the last one later on.
    let p = pts(&[(5, 1, "a", ""), (5, 0, "a", ""), (7, 2, "a", "")]);
    assert_eq!(events(&windows(&o, &p), &p), vec![vec![1, 0, 2]]);
}
