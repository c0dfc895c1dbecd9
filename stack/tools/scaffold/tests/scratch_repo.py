"""A scratch repository holding just the files the scaffolder reads and edits, and ways to
compare a tree before and after a command."""

import hashlib
import os
from pathlib import Path

import sync

SHARED_FILES = {
    "3rdparty/python/BUILD": 'python_requirements(name="tools")\n\nall_module_requirements()\n',
    "3rdparty/python/orders-requirements.txt": "fastapi==0.163.2\nhttpx2==2.16.2\n",
    "pyproject.toml": '[tool.ruff.isort]\nknown-first-party = ["common", "orders"]\n',
    "modules/orders/BUILD": 'pantstack_module("orders")\n',
    "modules/orders/module.toml": (
        'description = "Orders."\nowners = ["@acme/orders"]\ntype = "http-api"\ndatabase = true\n'
        'version = "1.2.0"\nuses = []\n'
    ),
    "modules/orders/backend/public/__init__.py": '__all__ = ["OrdersClient"]\n',
    "modules/orders/infrastructure/Pulumi.test.yaml": "config:\n  orders:listenerPriority: 100\n",
    "stack/docker/BUILD": "all_module_images()\n",
}


def write_scratch_repo(root: Path) -> Path:
    for relative, text in SHARED_FILES.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text(text)
    sync.write(root)
    return root


def snapshot(root: Path) -> dict[str, str]:
    return {
        str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file() and ".git" not in path.relative_to(root).parts
    }


def tree_state(root: Path) -> dict[str, str]:
    """Every directory, file and symlink under root, .git included: path -> kind and content."""
    state = {}
    for current, dirs, files in os.walk(root):
        for name in [*dirs, *files]:
            path = Path(current) / name
            relative = str(path.relative_to(root))
            if path.is_symlink():
                state[relative] = f"link {os.readlink(path)}"
            elif path.is_dir():
                state[relative] = "dir"
            else:
                state[relative] = "file " + hashlib.sha256(path.read_bytes()).hexdigest()
    return state
