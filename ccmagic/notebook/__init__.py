"""The notebook a kernel writes for: where it is, what its outputs say, replay."""
