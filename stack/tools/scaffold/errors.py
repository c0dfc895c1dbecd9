"""ScaffoldError: bad input or a repo state the scaffolder refuses; its message says what to do."""


class ScaffoldError(Exception):
    pass
