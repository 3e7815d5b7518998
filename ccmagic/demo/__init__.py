"""The offline demo model and the scripted fake Messages API it is served by."""
