"""Conversations as data: turns, their cost, events, options. No SDK, IPython or pandas."""
