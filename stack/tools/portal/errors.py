class PortalError(Exception):
    """The portal cannot be built; the message names the problem and the fix."""
