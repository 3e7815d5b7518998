"""The ccmagic console command and git's merge driver."""
