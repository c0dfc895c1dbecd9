"""Where the scaffolder may write: inside modules/<name>/ or onto a known registration file.

Every path is checked after resolving symlinks, before the first write, so a link planted in a
module (or a registration file that is a link) can't steer a write or a delete elsewhere.
"""

from pathlib import Path

from scaffold.errors import ScaffoldError


def inside(path: Path, directory: Path) -> Path:
    """`path`, if it resolves into `directory` (itself resolved); ScaffoldError otherwise."""
    if not path.resolve().is_relative_to(directory.resolve()):
        raise ScaffoldError(
            f"{path} resolves to {path.resolve()}, outside {directory}; the scaffolder refuses to write "
            "through a symlink that leaves the module. Remove the link and run the command again."
        )
    return path


def registration_file(root: Path, relative: Path) -> Path:
    """root/relative, if it is that very file of this repository and not a symlink to another."""
    path = root / relative
    if path.resolve() != root.resolve() / relative:
        raise ScaffoldError(
            f"{relative} is a symlink (to {path.resolve()}); the scaffolder edits registration files "
            "only in place. Replace the link with the file and run the command again."
        )
    return path
