"""The ccmagic console command and git's merge driver."""

from ccmagic.cli.command import main  # the console script of installs made before the split

__all__ = ["main"]
