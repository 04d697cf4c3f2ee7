"""`python -m livechat`: see livechat.cli."""

import sys

from livechat.cli import main

if __name__ == "__main__":
    sys.exit(main())
