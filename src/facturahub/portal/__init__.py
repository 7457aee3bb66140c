"""The integrators portal: server-rendered pages."""
