"""``python -m ccmagic.cli``: the name git's config (``ccmagic git-setup``) runs."""

import sys

from ccmagic.cli.command import main

sys.exit(main())
