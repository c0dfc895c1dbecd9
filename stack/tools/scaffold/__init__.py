"""The module scaffolder behind `make new-module`, `make remove-module` and `make check-module`."""
