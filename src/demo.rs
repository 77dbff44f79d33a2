//! Deterministic generator of the demo CloudTrail tree (being written).
