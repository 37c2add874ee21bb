"""``python -m segen_course run [--fast] [--only NN ...]``: the course runner."""

import sys

from segen_course.runner import main

sys.exit(main())
