"""pantsd's peak memory comes from the kernel's high-water mark, per pantsd process."""

import os
from pathlib import Path

from bench.pantsd_memory import PantsdMemory, high_water_kib

STATUS = "Name:\tpantsd\nVmPeak:\t 9000000 kB\nVmHWM:\t  2097152 kB\nVmRSS:\t 1000000 kB\n"


def test_the_peak_is_the_high_water_mark_not_the_current_rss() -> None:
    assert high_water_kib(STATUS) == 2097152
    assert high_water_kib("Name:\tzombie\n") is None


def test_a_sample_reads_the_pid_file_pants_writes(tmp_path: Path) -> None:
    pid_file = tmp_path / ".pids/abc123/pantsd/pid"
    pid_file.parent.mkdir(parents=True)
    pid_file.write_text(f"{os.getpid()}\n")  # this test process stands in for pantsd

    memory = PantsdMemory(tmp_path)
    memory.sample()

    assert list(memory.peaks_kib) == [os.getpid()]
    assert memory.peak_gib is not None and memory.peak_gib > 0


def test_no_pantsd_means_no_peak(tmp_path: Path) -> None:
    memory = PantsdMemory(tmp_path)
    memory.start()
    memory.stop()
    assert memory.peak_gib is None and memory.peaks_kib == {}
