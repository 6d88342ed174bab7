"""bercy-graph runtime: build pipeline, store interface, validation, CLI and (later) HTTP service."""

__version__ = "0.1.0"
