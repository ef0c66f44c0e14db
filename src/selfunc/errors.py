"""The one exception type that means "the user gave us something wrong".

The command line prints such an error as one line and exits with status 2, never with a
traceback. Anything else that escapes is a bug and keeps its traceback.
"""

__all__ = ["SelfuncError"]


class SelfuncError(Exception):
    """A user-facing error: bad config, missing or malformed file, impossible request.

    The message must say which file / key / column was wrong and what was expected.
    """
