"""``python -m neuroexam``."""

from neuroexam.cli import main

raise SystemExit(main())
