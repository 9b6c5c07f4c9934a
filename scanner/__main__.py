"""`python -m scanner` runs the camaudit CLI."""

from scanner.cli import main

raise SystemExit(main())
