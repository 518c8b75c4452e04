"""`showctl player` (SPEC 6.1): a program of its own on each screen or sound PC. It shares
the model, the files' loader and the OSC codec with the controller, never the controller's
core (an import-linter contract in pyproject.toml)."""
