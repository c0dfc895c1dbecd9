"""pantsd's peak resident memory during a run: its kernel high-water mark, sampled across restarts."""

import re
import threading
from dataclasses import dataclass, field
from pathlib import Path


def high_water_kib(status: str) -> int | None:
    """VmHWM (peak resident set, KiB) from a /proc/<pid>/status text."""
    found = re.search(r"^VmHWM:\s*(\d+) kB", status, re.MULTILINE)
    return int(found.group(1)) if found else None


@dataclass
class PantsdMemory:
    """Polls the pantsd that `root` starts (its pid file) and keeps each pid's VmHWM.

    VmHWM is the kernel's own peak, so a slow poll loses nothing while pantsd lives; a pantsd that
    restarts (memory limit, options change) shows up as a second pid.
    """

    root: Path
    interval: float = 0.5
    peaks_kib: dict[int, int] = field(default_factory=dict)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def sample(self) -> None:
        for pid_file in self.root.glob(".pids/*/pantsd/pid"):
            try:
                pid = int(pid_file.read_text().strip())
                peak = high_water_kib(Path(f"/proc/{pid}/status").read_text())
            except (OSError, ValueError):
                continue
            if peak is not None:
                self.peaks_kib[pid] = max(peak, self.peaks_kib.get(pid, 0))

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.sample()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self.sample()
        self._stop.set()
        if self._thread:
            self._thread.join()

    @property
    def peak_gib(self) -> float | None:
        return max(self.peaks_kib.values()) / 2**20 if self.peaks_kib else None
