//! A plugin that calls back into Python through the host: numpy works on the plugin's buffer
//! argument in place (no copy either way), and Python's errors come back as they were raised.
use promethean::{host, BufferView, Error, Json};

/// numpy.mean of the buffer, computed by Python over the same memory.
fn mean(values: BufferView<f64>) -> Result<f64, Error> {
    let reply = host().call("py", "numpy.mean", &[(&values).into()])?;
    reply.value.as_f64().ok_or_else(|| Error::new("TypeError", "numpy.mean returned no number"))
}

/// Calls any Python function with a number and returns what it gives, errors included.
fn apply(function: String, x: f64) -> Result<Json, Error> {
    Ok(host().call("py", &function, &[x.into()])?.value)
}

promethean::plugin! {
    name: "pycall",
    version: "0.1.0",
    functions: [mean, apply],
}
