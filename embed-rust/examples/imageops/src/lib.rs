//! Image operations on ImageRGB buffers ([height, width, channels] uint8), without copying the
//! image: grayscale into a new buffer, invert in place, and a histogram.
use promethean::{Buffer, BufferView, BufferViewMut, Error};

fn rgb_dims(img: &BufferView<u8>) -> Result<(usize, usize), Error> {
    match *img.shape() {
        [h, w, 3] => Ok((h, w)),
        ref other => Err(Error::new("ShapeError", format!("expected an RGB image [height, width, 3], got shape {:?}", other))),
    }
}

/// Luma (ITU-R BT.601) of every pixel: a new [height, width] uint8 buffer typed "Gray" when that
/// type is registered, made from a Vec and handed to the host without a copy.
fn grayscale(img: BufferView<u8>) -> Result<Buffer, Error> {
    let (h, w) = rgb_dims(&img)?;
    let gray: Vec<u8> = img
        .chunks_exact(3)
        .map(|p| ((p[0] as u32 * 299 + p[1] as u32 * 587 + p[2] as u32 * 114 + 500) / 1000) as u8)
        .collect();
    Buffer::from_vec(gray, &[h, w])
}

/// 255 - v for every byte, in place: the caller's memory changes, nothing is returned.
fn invert(mut img: BufferViewMut<u8>) {
    for v in img.iter_mut() {
        *v = 255 - *v;
    }
}

/// How many bytes have each value 0..=255.
fn histogram(values: BufferView<u8>) -> Vec<u64> {
    let mut counts = vec![0u64; 256];
    for &v in values.iter() {
        counts[v as usize] += 1;
    }
    counts
}

/// Where the bytes are, as Rust sees them: the same address as in every other runtime proves that
/// the buffer crossed without a copy.
fn address(values: BufferView<u8>) -> u64 {
    values.as_ptr() as u64
}

/// The value at a flat index, scaled: a function whose cost is the call itself (for the bench).
fn sample(values: BufferView<u8>, index: usize, scale: f64) -> Result<f64, Error> {
    values
        .get(index)
        .map(|&v| v as f64 * scale)
        .ok_or_else(|| Error::new("IndexError", format!("index {} out of range for {} values", index, values.len())))
}

promethean::plugin! {
    name: "imageops",
    version: "0.1.0",
    functions: [grayscale, invert, histogram, sample, address],
}
