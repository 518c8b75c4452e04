"""Reading venue, schedule and show files: YAML with positions, validation, cross-checks."""
