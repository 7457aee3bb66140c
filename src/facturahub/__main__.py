"""``python -m facturahub``: the ``facturahub`` command."""

from facturahub.cli import main

main()
