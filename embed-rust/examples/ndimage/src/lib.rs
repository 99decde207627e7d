//! Image operations written with `ndarray` and `serde` (the SDK's optional features): images come
//! in as ndarray views of the caller's memory (any strides: a numpy slice works as it is), new
//! images go out as owned `Array`s handed over without a copy, options and reports are plain
//! serde structs beside the buffers.
use promethean::ndarray::{Array3, ArrayView3, ArrayViewD, ArrayViewMut3, Axis, Ix3, Zip};
use promethean::{Buffer, BufferView, Error, Serde};
use serde::{Deserialize, Serialize};
use std::sync::atomic::{AtomicU64, Ordering};

/// How `blur` treats the pixels past the image's edge.
#[derive(Deserialize, Clone, Copy)]
#[serde(rename_all = "lowercase")]
enum Edges {
    Clamp,
    Zero,
}

#[derive(Deserialize)]
struct BlurOptions {
    radius: usize,
    #[serde(default = "clamp")]
    edges: Edges,
}

fn clamp() -> Edges {
    Edges::Clamp
}

/// Where the last array `blur` returned lives: the host must hand exactly these bytes on.
static LAST_RESULT: AtomicU64 = AtomicU64::new(0);

/// A box blur of a [height, width, channels] uint8 image, `radius` pixels each way: a new
/// image, a Rust `Array3` handed to the host without a copy.
fn blur(image: ArrayView3<u8>, options: Serde<BlurOptions>) -> Result<Array3<u8>, Error> {
    let (h, w, c) = image.dim();
    let r = options.radius as isize;
    if options.radius > 64 {
        return Err(Error::new("ValueError", format!("radius {} is more than 64", options.radius)));
    }
    let mut out = Array3::<u8>::zeros((h, w, c));
    for ((y, x, ch), v) in out.indexed_iter_mut() {
        let (mut sum, mut n) = (0u32, 0u32);
        for dy in -r..=r {
            for dx in -r..=r {
                let (yy, xx) = (y as isize + dy, x as isize + dx);
                let inside = yy >= 0 && xx >= 0 && (yy as usize) < h && (xx as usize) < w;
                let value = match (inside, options.edges) {
                    (true, _) => image[[yy as usize, xx as usize, ch]] as u32,
                    (false, Edges::Zero) => 0,
                    (false, Edges::Clamp) => {
                        image[[yy.clamp(0, h as isize - 1) as usize, xx.clamp(0, w as isize - 1) as usize, ch]] as u32
                    }
                };
                sum += value;
                n += 1;
            }
        }
        *v = ((sum + n / 2) / n) as u8;
    }
    LAST_RESULT.store(out.as_ptr() as u64, Ordering::SeqCst);
    Ok(out)
}

fn last_result_address() -> u64 {
    LAST_RESULT.load(Ordering::SeqCst)
}

/// Adds `amount` to every value, saturating, in the caller's memory (strided views included).
fn brighten(mut image: ArrayViewMut3<u8>, amount: u8) {
    image.mapv_inplace(|v| v.saturating_add(amount));
}

/// Where the first element is, as Rust sees it (numpy's data pointer, JS's byteOffset address).
fn address(image: ArrayViewD<u8>) -> u64 {
    image.as_ptr() as u64
}

#[derive(Serialize)]
struct Stats {
    shape: Vec<usize>,
    min: u8,
    max: u8,
    channel_means: Vec<f64>,
    contiguous: bool,
}

/// Statistics of an image, as a serde struct the caller gets as a dict / object.
fn stats(image: ArrayView3<u8>) -> Serde<Stats> {
    let (mut min, mut max) = (u8::MAX, u8::MIN);
    image.for_each(|&v| {
        min = min.min(v);
        max = max.max(v);
    });
    let pixels = (image.len_of(Axis(0)) * image.len_of(Axis(1))).max(1) as f64;
    let channel_means =
        image.axis_iter(Axis(2)).map(|channel| channel.iter().map(|&v| v as f64).sum::<f64>() / pixels).collect();
    Serde(Stats { shape: image.shape().to_vec(), min, max, channel_means, contiguous: image.is_standard_layout() })
}

/// How two images differ, pixel by pixel: the sum of absolute differences.
fn difference(a: ArrayView3<u8>, b: ArrayView3<u8>) -> Result<u64, Error> {
    if a.shape() != b.shape() {
        return Err(Error::new("ShapeError", format!("shapes {:?} and {:?} differ", a.shape(), b.shape())));
    }
    let mut total = 0u64;
    Zip::from(&a).and(&b).for_each(|&x, &y| total += (x as i32 - y as i32).unsigned_abs() as u64);
    Ok(total)
}

/// One image of a blend: a buffer inside a serde struct, the caller's memory as it is.
#[derive(Deserialize)]
struct Layer {
    image: BufferView<u8>,
    weight: f64,
}

/// A blend's result: the new image (a buffer inside a serde struct) and what was summed.
#[derive(Serialize)]
struct Blended {
    image: Buffer,
    layers: usize,
    total_weight: f64,
}

/// The weighted sum of images of one shape, clamped to 0..=255: `[{image, weight}, …]` in,
/// `{image, layers, total_weight}` out, the new image an Array handed over without a copy.
fn blend(layers: Serde<Vec<Layer>>) -> Result<Serde<Blended>, Error> {
    let first = layers.first().ok_or_else(|| Error::new("ValueError", "blend needs at least one layer"))?;
    let dim = first.image.as_array::<Ix3>()?.dim();
    let mut sum = Array3::<f64>::zeros(dim);
    for (i, layer) in layers.iter().enumerate() {
        let image = layer.image.as_array::<Ix3>()?;
        if image.dim() != dim {
            return Err(Error::new("ShapeError", format!("layer {} has shape {:?}, layer 0 {:?}", i, image.shape(), first.image.shape())));
        }
        Zip::from(&mut sum).and(&image).for_each(|s, &v| *s += v as f64 * layer.weight);
    }
    let out = sum.mapv(|v| v.round().clamp(0.0, 255.0) as u8);
    LAST_RESULT.store(out.as_ptr() as u64, Ordering::SeqCst);
    Ok(Serde(Blended {
        image: Buffer::from_array(out)?,
        layers: layers.len(),
        total_weight: layers.iter().map(|l| l.weight).sum(),
    }))
}

promethean::plugin! {
    name: "ndimage",
    version: "0.1.0",
    functions: [blur, brighten, stats, difference, blend, address, last_result_address],
}
