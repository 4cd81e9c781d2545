"""Inspection Workstation."""

import os

# OpenCV's own pixel limit, the second guard behind `[decode] max_image_pixels` (which is checked
# from the image header, before decoding): OpenCV reads the variable once, when it is loaded, so
# it is set here, before any module of ours imports cv2. A limit IT sets in the environment wins.
# Keep it equal to DEFAULT_MAX_IMAGE_PIXELS in scanning/decoders.py.
os.environ.setdefault("OPENCV_IO_MAX_IMAGE_PIXELS", "50000000")
