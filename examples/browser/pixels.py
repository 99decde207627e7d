# What the browser example calls in Python: numpy over the canvas's RGBA pixels, which arrive as a
# host buffer (the WebSocket frame's own bytes) that numpy reads in place.
#   promethean serve --static examples/browser examples/browser/pixels.py
import numpy
import promethean

# The Rust plugin the page calls too (embed-rust/examples/imageops: grayscale).
promethean.load("rust", "imageops")


@promethean.export
def invert_rgb(pixels):
    """255 - r, g, b of every RGBA pixel; alpha kept. A new [h, w, 4] uint8 array."""
    out = numpy.array(pixels, copy=True)
    out[..., :3] = 255 - out[..., :3]
    return out


@promethean.export
def mean_rgb(pixels):
    """The mean of each colour channel, for the page's caption."""
    return [float(pixels[..., c].mean()) for c in range(3)]
