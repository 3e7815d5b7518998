"""The %%claude magics and what they show in a cell."""
