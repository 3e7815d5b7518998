"""History and cost as pandas frames, HTML tables, widgets and plots."""
