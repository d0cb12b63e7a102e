"""Media: image decoding and validation, grid splitting, thumbnails, result storage."""
