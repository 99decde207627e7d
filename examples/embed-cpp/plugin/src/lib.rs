//! The embed-cpp example's plugin: it reads and writes the host's float32 buffers in place (the
//! views are the embedder's memory, no copy).
use promethean::{BufferView, BufferViewMut};

/// The sum of every value.
fn sum(values: BufferView<f32>) -> f64 {
    values.iter().map(|&v| v as f64).sum()
}

/// Multiplies every value by `factor`, in the caller's memory.
fn scale(mut values: BufferViewMut<f32>, factor: f64) {
    for v in values.iter_mut() {
        *v = (*v as f64 * factor) as f32;
    }
}

promethean::plugin! {
    name: "stats",
    version: "0.1.0",
    functions: [sum, scale],
}
