"""showctl: a headless show controller for immersive rooms."""

__version__ = "0.1.0"
