//! Tests of the review model: validation rules one table row each, then the instance's
//! transitions and refusals, then property tests over arbitrary sequences of events.
//! Schedule and recommendation arithmetic are tested next to their code.

mod definition;
mod instance;
mod resolve;

use chrono::{DateTime, TimeZone, Utc};
use serde_json::Value;

use crate::{GroupId, UserId};

fn user(n: u128) -> UserId {
    UserId::from_uuid(uuid::Uuid::from_u128(n))
}

fn group(n: u128) -> GroupId {
    GroupId::from_uuid(uuid::Uuid::from_u128(0x1000 + n))
}

fn noon() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 12, 0, 0)
        .single()
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}

fn at(s: &str) -> DateTime<Utc> {
    match DateTime::parse_from_rfc3339(s) {
        Ok(at) => at.with_timezone(&Utc),
        Err(error) => panic!("bad test instant {s}: {error}"),
    }
}

/// Sets (or with `None` removes) the value at a JSON pointer; `-` appends to an array.
fn patch(mut value: Value, edits: &[(&str, Option<Value>)]) -> Value {
    for (pointer, new) in edits {
        let (parent, key) = match pointer.rsplit_once('/') {
            Some(split) => split,
            None => panic!("bad pointer {pointer}"),
        };
        let Some(target) = value.pointer_mut(parent) else {
            panic!("no {parent} in the test definition");
        };
        match (target, new) {
            (Value::Object(map), Some(new)) => {
                map.insert(key.to_string(), new.clone());
            }
            (Value::Object(map), None) => {
                map.remove(key);
            }
            (Value::Array(items), Some(new)) if key == "-" => items.push(new.clone()),
            (Value::Array(items), Some(new)) => match key.parse::<usize>() {
                Ok(index) if index < items.len() => items[index] = new.clone(),
                _ => panic!("bad index in {pointer}"),
            },
            (Value::Array(items), None) => match key.parse::<usize>() {
                Ok(index) if index < items.len() => {
                    items.remove(index);
                }
                _ => panic!("bad index in {pointer}"),
            },
            (other, _) => panic!("{parent} is not a container: {other}"),
        }
    }
    value
}

fn input(value: Value) -> super::ReviewDefinitionInput {
    match serde_json::from_value(value) {
        Ok(input) => input,
        Err(error) => panic!("test definition does not deserialize: {error}"),
    }
}
