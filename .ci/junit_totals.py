"""Print one line totalling the JUnit reports Pants wrote: `tests: N passed, N failed, N skipped`."""

import sys
import xml.etree.ElementTree as ET
from pathlib import Path

passed = failed = skipped = 0
for report in Path(sys.argv[1]).glob("**/*.xml"):
    for suite in ET.parse(report).getroot().iter("testsuite"):
        tests, skips = int(suite.get("tests", 0)), int(suite.get("skipped", 0))
        fails = int(suite.get("failures", 0)) + int(suite.get("errors", 0))
        passed += tests - skips - fails
        failed += fails
        skipped += skips
print(f"tests: {passed} passed, {failed} failed, {skipped} skipped")
