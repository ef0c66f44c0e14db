import sys

from selfunc.cli import main

sys.exit(main())
