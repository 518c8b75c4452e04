"""OSC on the wire, for every program of showctl alike (controller, simulator, player):
`osc` encodes and decodes packets, `slip` frames them on TCP (OSC 1.1). Imports nothing
of showctl, so the player can share it without the controller's core."""
