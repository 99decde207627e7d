//! Turning ordinary Rust functions into plugin functions: argument decoding, result encoding,
//! panics caught at the boundary. Used by the `plugin!` macro; rarely called directly.

use crate::abi::*;
use crate::buffer::{Buffer, BufferView, BufferViewMut, Element};
use crate::error::Error;
use crate::host::set_host_api;
use crate::json::Json;
use crate::panic::{panic_error, record_panic_locations};
use crate::pending::Pending;
use std::os::raw::c_char;
use std::panic::{catch_unwind, AssertUnwindSafe};

/// What a plugin function was called with.
pub struct CallContext<'a> {
    pub args: Vec<Json>,
    pub views: &'a [pm_buffer_view],
}

impl<'a> CallContext<'a> {
    /// The buffer view argument `index` refers to (its handle's "view").
    pub fn view_of(&self, index: usize) -> Result<&'a pm_buffer_view, Error> {
        let arg = &self.args[index];
        let view = arg.get("view").and_then(Json::as_i64);
        match view {
            Some(v) if (v as usize) < self.views.len() && v >= 0 => Ok(&self.views[v as usize]),
            _ => Err(Error::new("TypeError", format!("argument {}: expected a buffer, got {}", index + 1, arg.kind()))),
        }
    }
}

/// A parameter type of a plugin function, decoded from the call's arguments: from JSON, or from a
/// typed value (the fast path, which the host takes when every argument is a scalar, a string or
/// a buffer).
pub trait FromArg: Sized {
    fn from_arg(ctx: &CallContext, index: usize) -> Result<Self, Error>;
    fn from_value(ctx: &TypedContext, index: usize) -> Result<Self, Error>;
}

/// What a plugin function was called with, on the typed path.
pub struct TypedContext<'a> {
    pub args: &'a [pm_value],
    pub views: &'a [pm_buffer_view],
}

impl<'a> TypedContext<'a> {
    /// The argument as JSON (what the JSON path would have decoded from).
    pub fn json(&self, index: usize) -> Json {
        let v = &self.args[index];
        unsafe {
            match v.kind {
                PM_VALUE_BOOL => Json::Bool(v.data.b != 0),
                PM_VALUE_INT => Json::Int(v.data.i),
                PM_VALUE_FLOAT => Json::Float(v.data.f),
                PM_VALUE_STRING => Json::Str(self.string(index).unwrap_or_default()),
                PM_VALUE_BUFFER => Json::Object(vec![
                    ("_type".into(), Json::Str("Buffer".into())),
                    ("view".into(), Json::UInt(v.view as u64)),
                ]),
                _ => Json::Null,
            }
        }
    }

    fn string(&self, index: usize) -> Option<String> {
        let v = &self.args[index];
        if v.kind != PM_VALUE_STRING {
            return None;
        }
        let s = unsafe { v.data.s };
        let bytes = if s.length == 0 { &[][..] } else { unsafe { std::slice::from_raw_parts(s.data as *const u8, s.length) } };
        Some(String::from_utf8_lossy(bytes).into_owned())
    }

    #[inline]
    pub fn view_of(&self, index: usize) -> Result<&'a pm_buffer_view, Error> {
        let v = &self.args[index];
        if v.kind == PM_VALUE_BUFFER && (v.view as usize) < self.views.len() {
            Ok(&self.views[v.view as usize])
        } else {
            Err(Error::new("TypeError", format!("argument {}: expected a buffer, got {}", index + 1, self.json(index).kind())))
        }
    }
}

#[inline]
fn typed_number(ctx: &TypedContext, index: usize) -> Result<f64, Error> {
    let v = &ctx.args[index];
    match v.kind {
        PM_VALUE_INT => Ok(unsafe { v.data.i } as f64),
        PM_VALUE_FLOAT => Ok(unsafe { v.data.f }),
        _ => Err(Error::new("TypeError", format!("argument {}: expected a number, got {}", index + 1, ctx.json(index).kind()))),
    }
}

#[inline]
fn typed_integer(ctx: &TypedContext, index: usize) -> Result<i64, Error> {
    let v = &ctx.args[index];
    // An integer as it is; anything else decides as the JSON path would (a float with no fraction
    // is an integer there too), and only then is a Json made.
    if v.kind == PM_VALUE_INT {
        return Ok(unsafe { v.data.i });
    }
    let j = ctx.json(index);
    match (v.kind, j.as_i64()) {
        (PM_VALUE_FLOAT, Some(i)) => Ok(i),
        _ => Err(Error::new("TypeError", format!("argument {}: expected an integer, got {}", index + 1, j.dump()))),
    }
}

#[inline]
fn number(ctx: &CallContext, index: usize) -> Result<f64, Error> {
    ctx.args[index]
        .as_f64()
        .ok_or_else(|| Error::new("TypeError", format!("argument {}: expected a number, got {}", index + 1, ctx.args[index].kind())))
}

#[inline]
fn integer(ctx: &CallContext, index: usize) -> Result<i64, Error> {
    ctx.args[index].as_i64().ok_or_else(|| {
        Error::new("TypeError", format!("argument {}: expected an integer, got {}", index + 1, ctx.args[index].dump()))
    })
}

impl FromArg for f64 {
    #[inline]
    fn from_arg(ctx: &CallContext, index: usize) -> Result<Self, Error> {
        number(ctx, index)
    }
    #[inline]
    fn from_value(ctx: &TypedContext, index: usize) -> Result<Self, Error> {
        typed_number(ctx, index)
    }
}
impl FromArg for f32 {
    #[inline]
    fn from_arg(ctx: &CallContext, index: usize) -> Result<Self, Error> {
        number(ctx, index).map(|v| v as f32)
    }
    #[inline]
    fn from_value(ctx: &TypedContext, index: usize) -> Result<Self, Error> {
        typed_number(ctx, index).map(|v| v as f32)
    }
}
macro_rules! integer_arg {
    ($($t:ty),*) => {$(
        impl FromArg for $t {
            #[inline]
            fn from_arg(ctx: &CallContext, index: usize) -> Result<Self, Error> {
                let v = integer(ctx, index)?;
                <$t>::try_from(v).map_err(|_| Error::new(
                    "TypeError", format!("argument {}: {} does not fit in {}", index + 1, v, stringify!($t))))
            }
            #[inline]
            fn from_value(ctx: &TypedContext, index: usize) -> Result<Self, Error> {
                let v = typed_integer(ctx, index)?;
                <$t>::try_from(v).map_err(|_| Error::new(
                    "TypeError", format!("argument {}: {} does not fit in {}", index + 1, v, stringify!($t))))
            }
        }
    )*};
}
integer_arg!(i64, i32, u32, u64, usize, u8, i16, u16, i8);

#[inline]
fn boolean(j: &Json, index: usize) -> Result<bool, Error> {
    match *j {
        Json::Bool(b) => Ok(b),
        ref other => Err(Error::new("TypeError", format!("argument {}: expected a boolean, got {}", index + 1, other.kind()))),
    }
}
fn string(j: &Json, index: usize) -> Result<String, Error> {
    match j {
        Json::Str(s) => Ok(s.clone()),
        other => Err(Error::new("TypeError", format!("argument {}: expected a string, got {}", index + 1, other.kind()))),
    }
}
impl FromArg for bool {
    #[inline]
    fn from_arg(ctx: &CallContext, index: usize) -> Result<Self, Error> {
        boolean(&ctx.args[index], index)
    }
    #[inline]
    fn from_value(ctx: &TypedContext, index: usize) -> Result<Self, Error> {
        let v = &ctx.args[index];
        if v.kind == PM_VALUE_BOOL {
            return Ok(unsafe { v.data.b } != 0);
        }
        boolean(&ctx.json(index), index)
    }
}
impl FromArg for String {
    #[inline]
    fn from_arg(ctx: &CallContext, index: usize) -> Result<Self, Error> {
        string(&ctx.args[index], index)
    }
    #[inline]
    fn from_value(ctx: &TypedContext, index: usize) -> Result<Self, Error> {
        string(&ctx.json(index), index)
    }
}
impl FromArg for Json {
    #[inline]
    fn from_arg(ctx: &CallContext, index: usize) -> Result<Self, Error> {
        Ok(ctx.args[index].clone())
    }
    #[inline]
    fn from_value(ctx: &TypedContext, index: usize) -> Result<Self, Error> {
        Ok(ctx.json(index))
    }
}
impl<T: Element> FromArg for BufferView<T> {
    #[inline]
    fn from_arg(ctx: &CallContext, index: usize) -> Result<Self, Error> {
        BufferView::from_abi(ctx.view_of(index)?, &|| format!("argument {}", index + 1))
    }
    #[inline]
    fn from_value(ctx: &TypedContext, index: usize) -> Result<Self, Error> {
        BufferView::from_abi(ctx.view_of(index)?, &|| format!("argument {}", index + 1))
    }
}
impl<T: Element> FromArg for BufferViewMut<T> {
    #[inline]
    fn from_arg(ctx: &CallContext, index: usize) -> Result<Self, Error> {
        BufferViewMut::from_abi(ctx.view_of(index)?, &|| format!("argument {}", index + 1))
    }
    #[inline]
    fn from_value(ctx: &TypedContext, index: usize) -> Result<Self, Error> {
        BufferViewMut::from_abi(ctx.view_of(index)?, &|| format!("argument {}", index + 1))
    }
}

/// What a plugin function returns, encoded as the call's result.
#[derive(Default)]
pub struct Output {
    pub json: String,
    pub buffers: Vec<Buffer>,
    /// The value is the one buffer in `buffers` and nothing else: handed to the host with
    /// result_set_buffer (ABI 1.1), so that no JSON is written or parsed; `json` is then unused.
    pub whole_buffer: bool,
    /// The value comes later (ABI 1.2): this pending result's, once its `Completer` settles it;
    /// everything else is then unused.
    pub pending: Option<Pending>,
}

pub trait IntoOutput: Sized {
    fn into_output(self, out: &mut Output) -> Result<(), Error>;
    /// The typed path: a scalar straight into `value`, anything else through `out`.
    #[inline]
    fn into_value(self, value: &mut pm_value, out: &mut Output) -> Result<(), Error> {
        value.kind = PM_VALUE_RESULT;
        self.into_output(out)
    }
}

impl IntoOutput for () {
    #[inline]
    fn into_output(self, out: &mut Output) -> Result<(), Error> {
        out.json = "null".into();
        Ok(())
    }
    #[inline]
    fn into_value(self, value: &mut pm_value, _: &mut Output) -> Result<(), Error> {
        value.kind = PM_VALUE_NULL;
        Ok(())
    }
}
macro_rules! scalar_value {
    ($($t:ty => $kind:ident, $field:ident, $conv:expr);* $(;)?) => {$(
        impl IntoOutput for $t {
            #[inline]
            fn into_output(self, out: &mut Output) -> Result<(), Error> {
                let f: fn($t) -> pm_value_data = $conv;
                let v = pm_value { kind: $kind, view: 0, data: f(self) };
                out.json = unsafe { match v.kind { PM_VALUE_FLOAT => Json::Float(v.data.f), PM_VALUE_BOOL => Json::Bool(v.data.b != 0), _ => Json::Int(v.data.i) } }.dump();
                Ok(())
            }
            #[inline]
            fn into_value(self, value: &mut pm_value, _: &mut Output) -> Result<(), Error> {
                let f: fn($t) -> pm_value_data = $conv;
                value.kind = $kind;
                value.data = f(self);
                Ok(())
            }
        }
    )*};
}
scalar_value!(
    f64 => PM_VALUE_FLOAT, f, |v| pm_value_data { f: v };
    f32 => PM_VALUE_FLOAT, f, |v| pm_value_data { f: v as f64 };
    i64 => PM_VALUE_INT, i, |v| pm_value_data { i: v };
    i32 => PM_VALUE_INT, i, |v| pm_value_data { i: v as i64 };
    u32 => PM_VALUE_INT, i, |v| pm_value_data { i: v as i64 };
    bool => PM_VALUE_BOOL, b, |v| pm_value_data { b: v as i32 };
);
impl IntoOutput for Json {
    #[inline]
    fn into_output(self, out: &mut Output) -> Result<(), Error> {
        out.json = self.dump();
        Ok(())
    }
}
macro_rules! json_output {
    ($($t:ty => $conv:expr),*) => {$(
        impl IntoOutput for $t {
            #[inline]
            fn into_output(self, out: &mut Output) -> Result<(), Error> {
                let f: fn($t) -> Json = $conv;
                out.json = f(self).dump();
                Ok(())
            }
        }
    )*};
}
/// Unsigned 64-bit results: a typed INT when the value fits (the common case: lengths, counts,
/// addresses), JSON's unsigned number otherwise, so both paths give the same number.
macro_rules! unsigned_value {
    ($($t:ty),*) => {$(
        impl IntoOutput for $t {
            #[inline]
            fn into_output(self, out: &mut Output) -> Result<(), Error> {
                out.json = Json::UInt(self as u64).dump();
                Ok(())
            }
            #[inline]
            fn into_value(self, value: &mut pm_value, out: &mut Output) -> Result<(), Error> {
                match i64::try_from(self) {
                    Ok(i) => {
                        value.kind = PM_VALUE_INT;
                        value.data = pm_value_data { i };
                        Ok(())
                    }
                    Err(_) => {
                        value.kind = PM_VALUE_RESULT;
                        self.into_output(out)
                    }
                }
            }
        }
    )*};
}
unsigned_value!(u64, usize);
json_output!(
    String => Json::Str, Vec<u64> => |v| Json::Array(v.into_iter().map(Json::UInt).collect()),
    Vec<i64> => |v| Json::Array(v.into_iter().map(Json::Int).collect()),
    Vec<f64> => |v| Json::Array(v.into_iter().map(Json::Float).collect())
);
impl IntoOutput for Buffer {
    #[inline]
    fn into_output(self, out: &mut Output) -> Result<(), Error> {
        out.buffers.push(self);
        out.whole_buffer = true;
        Ok(())
    }
}
impl<T: IntoOutput, E: Into<Error>> IntoOutput for Result<T, E> {
    #[inline]
    fn into_output(self, out: &mut Output) -> Result<(), Error> {
        match self {
            Ok(v) => v.into_output(out),
            Err(e) => Err(e.into()),
        }
    }
    #[inline]
    fn into_value(self, value: &mut pm_value, out: &mut Output) -> Result<(), Error> {
        match self {
            Ok(v) => v.into_value(value, out),
            Err(e) => Err(e.into()),
        }
    }
}

/// A Rust function usable as a plugin function: every parameter `FromArg`, the result
/// `IntoOutput`. Implemented for functions of up to eight parameters.
pub trait PluginFn<Args> {
    fn invoke_with(&self, ctx: &CallContext) -> Result<Output, Error>;
    fn invoke_typed(&self, ctx: &TypedContext, value: &mut pm_value) -> Result<Output, Error>;
}

#[inline]
fn arity(got: usize, expected: usize) -> Result<(), Error> {
    if got != expected {
        return Err(Error::new(
            "TypeError",
            format!("expected {} argument{}, got {}", expected, if expected == 1 { "" } else { "s" }, got),
        ));
    }
    Ok(())
}

macro_rules! plugin_fn {
    ($n:expr; $($a:ident $i:tt),*) => {
        impl<F, R, $($a),*> PluginFn<($($a,)*)> for F
        where
            F: Fn($($a),*) -> R,
            R: IntoOutput,
            $($a: FromArg),*
        {
            #[allow(unused_variables)]
            #[inline]
            fn invoke_with(&self, ctx: &CallContext) -> Result<Output, Error> {
                arity(ctx.args.len(), $n)?;
                let mut out = Output::default();
                (self)($($a::from_arg(ctx, $i)?),*).into_output(&mut out)?;
                Ok(out)
            }
            #[allow(unused_variables)]
            #[inline]
            fn invoke_typed(&self, ctx: &TypedContext, value: &mut pm_value) -> Result<Output, Error> {
                arity(ctx.args.len(), $n)?;
                let mut out = Output::default();
                (self)($($a::from_value(ctx, $i)?),*).into_value(value, &mut out)?;
                Ok(out)
            }
        }
    };
}
plugin_fn!(0;);
plugin_fn!(1; A0 0);
plugin_fn!(2; A0 0, A1 1);
plugin_fn!(3; A0 0, A1 1, A2 2);
plugin_fn!(4; A0 0, A1 1, A2 2, A3 3);
plugin_fn!(5; A0 0, A1 1, A2 2, A3 3, A4 4);
plugin_fn!(6; A0 0, A1 1, A2 2, A3 3, A4 4, A5 5);
plugin_fn!(7; A0 0, A1 1, A2 2, A3 3, A4 4, A5 5, A6 6);
plugin_fn!(8; A0 0, A1 1, A2 2, A3 3, A4 4, A5 5, A6 6, A7 7);

/// The body of every exported function: decodes, calls `f`, encodes; nothing unwinds out.
///
/// # Safety
/// The arguments are what the host passes to a plugin function (see plugin_abi.h).
pub unsafe fn invoke<F: PluginFn<Args>, Args>(
    f: F,
    host: *const pm_host_api,
    args: *const c_char,
    length: usize,
    views: *const pm_buffer_view,
    view_count: usize,
    result: *mut pm_result,
) -> *mut pm_error {
    set_host_api(host);
    record_panic_locations();
    let api = &*host;
    let outcome = catch_unwind(AssertUnwindSafe(|| -> Result<Output, Error> {
        let bytes = if length == 0 { &[][..] } else { std::slice::from_raw_parts(args as *const u8, length) };
        let text = std::str::from_utf8(bytes).map_err(|_| Error::new("NotJSON", "arguments are not UTF-8"))?;
        let args = match Json::parse(text).map_err(|e| Error::new("NotJSON", e))? {
            Json::Array(items) => items,
            other => return Err(Error::new("TypeError", format!("arguments must be an array, got {}", other.kind()))),
        };
        let views = if view_count == 0 { &[][..] } else { std::slice::from_raw_parts(views, view_count) };
        f.invoke_with(&CallContext { args, views })
    }));
    finish(api, result, outcome)
}

/// Hands a function's outcome to the host: the output into `result`, an error (or a caught
/// panic, with where it happened: panic.rs) as the owned pm_error the host takes over.
unsafe fn finish(
    api: &pm_host_api,
    result: *mut pm_result,
    outcome: std::thread::Result<Result<Output, Error>>,
) -> *mut pm_error {
    match outcome {
        Ok(Ok(out)) => write_output(api, result, out),
        Ok(Err(e)) => e.into_raw(api),
        Err(payload) => panic_error(payload.as_ref()).into_raw(api),
    }
}

/// Writes `out` into `result` (a function's, or one made to complete a pending result): its
/// buffers handed over, its JSON set, or the pending result named as the value.
///
/// # Safety
/// `result` is a live pm_result of the host `api`.
pub(crate) unsafe fn write_output(api: &pm_host_api, result: *mut pm_result, mut out: Output) -> *mut pm_error {
    if let Some(pending) = out.pending.take() {
        return pending.set_as_value(result);
    }
    if out.whole_buffer {
        if let (Some(set_buffer), 1) = (api.result_set_buffer(), out.buffers.len()) {
            let b = out.buffers.pop().expect("one buffer");
            return set_buffer(result, b.into_raw());
        }
        // A 1.0 host: the same value as JSON naming the buffer.
        out.json = format!("{{\"_type\":\"Buffer\",\"view\":{}}}", out.buffers.len() - 1);
    }
    for b in out.buffers {
        (api.result_add_buffer)(result, b.into_raw());
    }
    (api.result_set_json)(result, out.json.as_ptr() as *const c_char, out.json.len())
}

/// The body of every exported function's typed form (see pm_plugin_typed_function).
///
/// # Safety
/// The arguments are what the host passes to a typed plugin function (see plugin_abi.h).
pub unsafe fn invoke_typed<F: PluginFn<Args>, Args>(
    f: F,
    host: *const pm_host_api,
    args: *const pm_value,
    arg_count: usize,
    views: *const pm_buffer_view,
    view_count: usize,
    value: *mut pm_value,
    result: *mut pm_result,
) -> *mut pm_error {
    set_host_api(host);
    record_panic_locations();
    let api = &*host;
    let value = &mut *value;
    *value = pm_value::null();
    let outcome = catch_unwind(AssertUnwindSafe(|| -> Result<Output, Error> {
        let args = if arg_count == 0 { &[][..] } else { std::slice::from_raw_parts(args, arg_count) };
        let views = if view_count == 0 { &[][..] } else { std::slice::from_raw_parts(views, view_count) };
        f.invoke_typed(&TypedContext { args, views }, value)
    }));
    if matches!(outcome, Ok(Ok(_))) && value.kind != PM_VALUE_RESULT {
        return std::ptr::null_mut(); // a scalar, already in `value`
    }
    finish(api, result, outcome)
}

/// `Sync` for the descriptor statics the `plugin!` macro makes (they hold raw pointers to
/// static strings and functions, never written).
pub struct Static<T>(pub T);
unsafe impl<T> Sync for Static<T> {}

/// A function descriptor (for `plugin!`): `name` must end with a NUL.
pub const fn function(name: &'static str, f: pm_plugin_function, typed: pm_plugin_typed_function) -> pm_function_descriptor {
    pm_function_descriptor {
        struct_size: std::mem::size_of::<pm_function_descriptor>() as u32,
        name: name.as_ptr() as *const c_char,
        signature: std::ptr::null(),
        function: f,
        typed: Some(typed),
        reserved: [std::ptr::null_mut(); 1],
    }
}

/// The plugin descriptor (for `plugin!`): `name` and `version` must end with a NUL.
pub const fn plugin(name: &'static str, version: &'static str, functions: &'static [pm_function_descriptor]) -> pm_plugin_descriptor {
    pm_plugin_descriptor {
        struct_size: std::mem::size_of::<pm_plugin_descriptor>() as u32,
        abi_major: PM_PLUGIN_ABI_MAJOR,
        abi_minor: PM_PLUGIN_ABI_MINOR,
        name: name.as_ptr() as *const c_char,
        version: version.as_ptr() as *const c_char,
        functions: functions.as_ptr(),
        function_count: functions.len(),
        reserved: [std::ptr::null_mut(); 4],
    }
}
