"""`python -m touchpoint_tools.cli`, as the installed `touchpoint` script."""

import sys

from touchpoint_tools.cli import main

sys.exit(main())
