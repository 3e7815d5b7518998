"""The sidecar file: format, lock, journal, redaction, transcripts, merge."""
