"""The operators' web dashboard and HTTP API (SPEC 4): see docs/dashboard.md."""

from showctl.web.app import WebServer, make_app

__all__ = ["WebServer", "make_app"]
