// The page's script: draws an image, sends its pixels to Python and to a Rust plugin through
// `promethean serve`, and draws what they return. window.promethean_example holds the outcome
// (the browser test reads it and the canvases' pixels).
import { connect, tensor } from '/promethean-client.mjs';

const status = document.getElementById('status');

function draw(canvas) {
  const ctx = canvas.getContext('2d');
  const { width, height } = canvas;
  // Four colour bands over a horizontal ramp: every pixel different, easy to check by formula.
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const band = Math.floor((y * 4) / height);
      const ramp = Math.round((x * 255) / (width - 1));
      const rgb = [[ramp, 40, 200], [220, ramp, 30], [10, 120, ramp], [ramp, ramp, ramp]][band];
      ctx.fillStyle = `rgb(${rgb[0]},${rgb[1]},${rgb[2]})`;
      ctx.fillRect(x, y, 1, 1);
    }
  }
  return ctx.getImageData(0, 0, width, height);
}

function put(canvas, rgba) {
  const image = new ImageData(new Uint8ClampedArray(rgba.buffer, rgba.byteOffset, rgba.byteLength),
                              canvas.width, canvas.height);
  canvas.getContext('2d').putImageData(image, 0, 0);
}

async function main() {
  const token = new URLSearchParams(location.search).get('token');
  const client = await connect(`ws://${location.host}/?token=${encodeURIComponent(token)}`);
  const source = document.getElementById('source');
  const { width, height } = source;
  const pixels = draw(source).data;  // RGBA, Uint8ClampedArray

  // Python (numpy): the RGBA pixels as a [h, w, 4] uint8 array.
  const inverted = await client.call('py', 'invert_rgb', tensor(new Uint8Array(pixels), [height, width, 4]));
  put(document.getElementById('python'), inverted);
  const means = await client.call('py', 'mean_rgb', tensor(new Uint8Array(pixels), [height, width, 4]));

  // Rust (imageops.grayscale wants RGB [h, w, 3]): alpha dropped here, gray [h, w] back.
  const rgb = new Uint8Array(width * height * 3);
  for (let i = 0; i < width * height; i++) rgb.set(pixels.subarray(i * 4, i * 4 + 3), i * 3);
  const gray = await client.call('rust', 'imageops.grayscale', tensor(rgb, [height, width, 3]));
  const grayRgba = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i++) grayRgba.set([gray[i], gray[i], gray[i], 255], i * 4);
  put(document.getElementById('rust'), grayRgba);

  status.textContent = `Python saw mean RGB ${means.map((m) => m.toFixed(1)).join(', ')}; ` +
                       `Rust returned ${gray.constructor.name} [${gray.shape}]`;
  window.promethean_example = { done: true, invertedShape: inverted.shape, grayShape: gray.shape, means };
  await client.close();
}

main().catch((e) => {
  status.textContent = `failed: ${e.message}`;
  window.promethean_example = { done: true, error: e.message };
});
