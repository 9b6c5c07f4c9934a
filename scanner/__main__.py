"""`python -m scanner` runs the camaudit CLI."""

from scanner.cli.main import main

raise SystemExit(main())
