"""``python -m bench`` (or ``make bench``): run the benchmark; ``--help`` lists the options."""

from .run import main

raise SystemExit(main())
