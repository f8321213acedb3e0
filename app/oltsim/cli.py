"""What both simulated vendor CLIs share: tokenizing, replies, confirmations."""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from app.oltsim.state import OltState

_TOKEN_RE = re.compile(r'"([^"]*)"|(\S+)')


class CliSyntaxError(Exception):
    """A command the vendor's parser would refuse (unknown word, bad parameter)."""


@dataclass
class Reply:
    """The answer to one line.

    Attributes:
        text: printed before the prompt (``\\n`` line ends; the server sends CRLF).
        prompt: print the mode prompt after ``text`` (False after a question).
        close: close the session after sending ``text``.
    """

    text: str = ""
    prompt: bool = True
    close: bool = False


def tokenize(line: str) -> list[str]:
    """Split a command line into words; ``"a b"`` is one word.

    Raises:
        CliSyntaxError: an unbalanced quote.
    """
    if line.count('"') % 2:
        raise CliSyntaxError("unbalanced quote")
    return [bare or quoted for quoted, bare in _TOKEN_RE.findall(line)]


def to_int(word: str, low: int, high: int) -> int:
    """Parse an integer parameter in range.

    Raises:
        CliSyntaxError: not an integer or out of range.
    """
    if not re.fullmatch(r"\d+", word):
        raise CliSyntaxError(word)
    value = int(word)
    if not low <= value <= high:
        raise CliSyntaxError(word)
    return value


def keyword_args(words: Sequence[str], valued: set[str], flags: frozenset[str] = frozenset(),
                 ) -> dict[str, str]:
    """Parse ``key value key value flag`` sequences; flags map to ``""``.

    Raises:
        CliSyntaxError: an unknown keyword or a keyword without its value.
    """
    result: dict[str, str] = {}
    index = 0
    while index < len(words):
        word = words[index]
        if word in flags:
            result[word] = ""
            index += 1
        elif word in valued and index + 1 < len(words):
            result[word] = words[index + 1]
            index += 2
        else:
            raise CliSyntaxError(word)
    return result


class CliSession(ABC):
    """One logged-in CLI session of a simulated OLT (one per SSH channel)."""

    def __init__(self, state: OltState, hostname: str = "OLT") -> None:
        self.state = state
        self.hostname = hostname
        self._pending: Callable[[str], Reply] | None = None

    @abstractmethod
    def banner(self) -> str:
        """Text printed after login, before the first prompt."""

    @abstractmethod
    def prompt(self) -> str:
        """The prompt for the current mode."""

    @abstractmethod
    def execute(self, words: list[str], line: str) -> Reply:
        """Run one tokenized command (called under the state lock).

        Raises:
            CliSyntaxError: the command is not valid in this mode.
        """

    @abstractmethod
    def syntax_error(self, line: str) -> str:
        """The vendor's answer to a command it cannot parse."""

    def ask(self, question: str, on_answer: Callable[[str], Reply]) -> Reply:
        """Print a question; the next line goes to ``on_answer`` instead of the parser."""
        self._pending = on_answer
        return Reply(text=question, prompt=False)

    def handle(self, line: str) -> Reply:
        """Answer one received line."""
        if self._pending is not None:
            on_answer, self._pending = self._pending, None
            with self.state.lock:
                return on_answer(line.strip())
        try:
            words = tokenize(line)
            if not words:
                return Reply()
            with self.state.lock:
                return self.execute(words, line)
        except CliSyntaxError:
            return Reply(text=self.syntax_error(line))
