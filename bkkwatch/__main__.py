"""``python -m bkkwatch``: the same as the ``bkkwatch`` command."""

from bkkwatch.cli import main

main()
