"""Draws examples/seed/img.png, the 256x256 RGB image of the seed's buffer snippet (run with /usr/bin/python3)."""
import pathlib

import numpy as np
from PIL import Image

y, x = np.mgrid[0:256, 0:256].astype(np.float32)
image = np.stack([x, y, 255 - (x + y) / 2], axis=-1)
disc = ((x - 128) ** 2 + (y - 128) ** 2) < 48 ** 2
image[disc] = [250, 200, 40]
Image.fromarray(image.astype(np.uint8), "RGB").save(pathlib.Path(__file__).with_name("img.png"), optimize=True)
