"""Draws examples/data/sunset.png, the flagship example's input (run with /usr/bin/python3)."""
import pathlib

import numpy as np
from PIL import Image

H, W = 192, 256
y, x = np.mgrid[0:H, 0:W].astype(np.float32)
sky = np.stack([255 - y * 0.4, 120 + y * 0.5, 200 - y * 0.9], axis=-1)
sun = ((x - 170) ** 2 + (y - 80) ** 2) < 28 ** 2
sky[sun] = [255, 220, 90]
hills = y > 130 + 18 * np.sin(x / 23.0) + 8 * np.sin(x / 7.0 + 1.3)
sky[hills] = np.stack([30 + 0 * x, 90 + (y - 130) * 0.8, 40 + 0 * x], axis=-1)[hills]
image = np.clip(sky, 0, 255).astype(np.uint8)
Image.fromarray(image, "RGB").save(pathlib.Path(__file__).with_name("sunset.png"), optimize=True)
