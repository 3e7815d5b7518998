"""Live conversations: Session and its blocking twin, the loop thread, the pool, batches."""
