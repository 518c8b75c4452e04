"""Outputs: how abstract device actions become OSC datagrams on the wire.

Profiles (`showctl.outputs.profiles`) map actions to OSC messages per product;
`encode` builds the bytes (ahead of their deadline); `sender` puts them on the wire.
"""
