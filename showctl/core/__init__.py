"""The core: show library, engine, transport state, events. Knows nothing of its faces."""
