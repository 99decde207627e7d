//! The serde bridge on its own (no host): values round trip, errors say where and what.
use super::*;
use std::collections::BTreeMap;

fn json(text: &str) -> Json {
    Json::parse(text).unwrap()
}

#[test]
fn values_round_trip_through_json() {
    let v: (u32, Vec<Option<f64>>, String, bool) = from_json(&json(r#"[3, [1.5, null], "x", true]"#)).unwrap();
    assert_eq!(v, (3, vec![Some(1.5), None], "x".to_string(), true));
    assert_eq!(to_json(&v).unwrap().dump(), r#"[3,[1.5,null],"x",true]"#);
    let m: BTreeMap<String, Vec<i64>> = from_json(&json(r#"{"a": [-1, 2], "b": []}"#)).unwrap();
    assert_eq!(to_json(&m).unwrap(), json(r#"{"a":[-1,2],"b":[]}"#));
    // Whole floats are integers (Python's 2.0, JS's numbers); the Json value itself passes through.
    let n: u8 = from_json(&json("2.0")).unwrap();
    assert_eq!(n, 2);
    let any: Json = from_json(&json(r#"{"k": [1, {"z": null}]}"#)).unwrap();
    assert_eq!(any, json(r#"{"k": [1, {"z": null}]}"#));
    assert_eq!(to_json(&u64::MAX).unwrap(), Json::UInt(u64::MAX));
}

#[test]
fn errors_name_the_place_and_the_expected_shape() {
    let e = from_json::<BTreeMap<String, Vec<u32>>>(&json(r#"{"a": [1, "two"]}"#)).unwrap_err();
    assert_eq!(e.path(), ".a[1]");
    assert_eq!(e.message(), "expected u32, got a string \"two\"");
    assert_eq!(e.into_error("argument 2").message(), "argument 2, at .a[1]: expected u32, got a string \"two\"");
    let e = from_json::<(u8, u8)>(&json("[1, 2, 3]")).unwrap_err();
    assert_eq!(e.message(), "expected 2 elements, got 3 elements");
    let e = from_json::<u8>(&json("300")).unwrap_err();
    assert_eq!(e.message(), "expected u8, got the number 300");
    let e = from_json::<u8>(&json("2.5")).unwrap_err();
    assert_eq!(e.message(), "expected u8, got the number 2.5");
    let e = from_json::<Vec<u8>>(&json(r#"{"a": 1}"#)).unwrap_err();
    assert_eq!(e.message(), "expected a sequence, got an object");
    let e = to_json(&BTreeMap::from([(vec![1], 2)])).unwrap_err();
    assert_eq!(e.message(), "a map key must be a string or an integer, got a sequence");
}

#[test]
fn a_buffer_is_decoded_only_inside_a_call() {
    let e = from_json::<Vec<crate::Buffer>>(&json(r#"[{"_type": "Buffer", "view": 0}]"#)).err().expect("outside a call");
    assert_eq!(e.path(), "[0]");
    assert_eq!(e.message(), "a buffer can be decoded only from a plugin call's arguments (Serde<T>)");
    let e = from_json::<crate::Buffer>(&json(r#"{"view": 0}"#)).err().expect("not a handle");
    assert_eq!(e.message(), "expected a buffer, got an object");
}
