"""``python -m bkkwatch``: the same as the ``bkkwatch`` command."""

from bkkwatch.cli import main

if __name__ == "__main__":  # not when a `serve --workers` process re-imports the main module
    main()
