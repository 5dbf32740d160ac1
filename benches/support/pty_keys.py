#!/usr/bin/env python3
"""Key press -> changed screen, through a real terminal: the real `postie` binary on a
pseudo-terminal, its crossterm output read back here (used by benches/tui.rs, #17).

    pty_keys.py keys   BINARY HOME READY --key NAME:COUNT ...    (NAME: j, ctrl-d, esc)
    pty_keys.py search BINARY HOME READY --query QUERY --runs N

The child runs with POSTIE_HOME=HOME on a 120x40 pty. READY is text the first full frame
shows (the newest subject); it and every figure are read from a small screen model fed
with the child's output (cursor moves, erases, text; colours ignored), because ratatui
writes only the cells that changed, so a line's text is not contiguous in the stream.

A press is timed from just before the key's bytes are written to the arrival of the
LAST byte of what it drew: the pty is read until no output has come for --idle-ms, and
that gap itself is not counted. A search is timed from Enter to the end of the frame
that lists the hits (`listed`) and of the frame whose status line gives the count of all
matches (`counted`: `newest 1000 of N hits`, or `N hit(s)` when there are fewer).

Output, one line each, for the bench to print:
    ready MS
    samples NAME SILENT MS MS ...     (SILENT: presses that drew nothing in time)
    hits TEXT                         (the count the status line gave)
    error TEXT
Everything is bounded: each wait has a deadline, the child is killed at the end.
"""

import argparse
import codecs
import fcntl
import os
import pty
import re
import select
import signal
import struct
import sys
import termios
import time
import unicodedata

ROWS, COLS = 40, 120


class Screen:
    """Just enough of a VT100 to read text back: CUP and relative moves, ED, EL, text.
    SGR and mode changes are skipped; state survives sequences split across reads."""

    def __init__(self, rows, cols):
        self.rows, self.cols = rows, cols
        self.grid = [[" "] * cols for _ in range(rows)]
        self.row = self.col = 0
        self.decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self.state = "text"
        self.params = ""

    def feed(self, data):
        for ch in self.decoder.decode(data):
            self._char(ch)

    def _char(self, ch):
        if self.state == "esc":
            if ch == "[":
                self.state, self.params = "csi", ""
            elif ch == "]":
                self.state = "osc"
            elif ch in "()#%":
                self.state = "charset"
            else:
                self.state = "text"
        elif self.state == "charset":
            self.state = "text"
        elif self.state == "osc":
            if ch == "\x07" or ch == "\x1b":
                # ESC \ ends an OSC too; the backslash is then dropped as an unknown ESC.
                self.state = "esc" if ch == "\x1b" else "text"
        elif self.state == "csi":
            if "\x40" <= ch <= "\x7e":
                self.state = "text"
                self._csi(self.params, ch)
            else:
                self.params += ch
        elif ch == "\x1b":
            self.state = "esc"
        elif ch == "\r":
            self.col = 0
        elif ch == "\n":
            self.row = min(self.row + 1, self.rows - 1)
        elif ch == "\b":
            self.col = max(self.col - 1, 0)
        elif ch >= " ":
            width = 2 if unicodedata.east_asian_width(ch) in "WF" else 1
            if self.col < self.cols:
                self.grid[self.row][self.col] = ch
            if width == 2 and self.col + 1 < self.cols:
                self.grid[self.row][self.col + 1] = ""
            self.col = min(self.col + width, self.cols)

    def _csi(self, params, final):
        if params.startswith("?") or params.startswith(">"):
            return
        nums = [int(p) if p.isdigit() else 0 for p in params.split(";")] if params else []

        def arg(i, default):
            return nums[i] if len(nums) > i and nums[i] > 0 else default

        if final in "Hf":
            self.row = min(arg(0, 1), self.rows) - 1
            self.col = min(arg(1, 1), self.cols) - 1
        elif final == "A":
            self.row = max(self.row - arg(0, 1), 0)
        elif final == "B":
            self.row = min(self.row + arg(0, 1), self.rows - 1)
        elif final == "C":
            self.col = min(self.col + arg(0, 1), self.cols)
        elif final == "D":
            self.col = max(self.col - arg(0, 1), 0)
        elif final == "G":
            self.col = min(arg(0, 1), self.cols) - 1
        elif final == "d":
            self.row = min(arg(0, 1), self.rows) - 1
        elif final == "J":
            mode = nums[0] if nums else 0
            rows = range(self.rows)
            if mode == 0:
                self._erase_line(self.row, self.col, self.cols)
                rows = range(self.row + 1, self.rows)
            elif mode == 1:
                self._erase_line(self.row, 0, self.col + 1)
                rows = range(0, self.row)
            for r in rows:
                self._erase_line(r, 0, self.cols)
        elif final == "K":
            mode = nums[0] if nums else 0
            start, end = {0: (self.col, self.cols), 1: (0, self.col + 1)}.get(mode, (0, self.cols))
            self._erase_line(self.row, start, end)

    def _erase_line(self, row, start, end):
        for c in range(max(start, 0), min(end, self.cols)):
            self.grid[row][c] = " "

    def text(self):
        return "\n".join("".join(line) for line in self.grid)


class Child:
    """The binary on a pty; its output read with the arrival time of every chunk."""

    def __init__(self, binary, home):
        env = dict(os.environ)
        env.update(POSTIE_HOME=home, TERM="xterm-256color", RUST_BACKTRACE="0")
        env.pop("NO_COLOR", None)
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            try:
                fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLS, 0, 0))
                os.execve(binary, [binary], env)
            finally:
                os._exit(127)
        self.screen = Screen(ROWS, COLS)
        self.eof = False

    def write(self, data):
        os.write(self.fd, data)

    def read_burst(self, idle, first_within):
        """Chunks [(time, bytes)] from now until `idle` seconds pass without output,
        waiting at most `first_within` seconds for the first. Not fed to the screen:
        that is done after, so parsing never delays the next chunk's timestamp."""
        chunks = []
        deadline = time.perf_counter() + first_within
        hard_stop = deadline + 30.0
        while not self.eof:
            now = time.perf_counter()
            wait = (chunks[-1][0] + idle - now) if chunks else (deadline - now)
            if wait <= 0 or now > hard_stop:
                break
            ready, _, _ = select.select([self.fd], [], [], wait)
            if not ready:
                continue
            try:
                data = os.read(self.fd, 65536)
            except OSError:
                data = b""
            at = time.perf_counter()
            if not data:
                self.eof = True
                break
            chunks.append((at, data))
        return chunks

    def feed(self, chunks):
        for _, data in chunks:
            self.screen.feed(data)

    def wait_for(self, pattern, seconds):
        """Read (feeding the screen) until `pattern` matches the screen: the arrival
        time of the chunk that made it match, or None at the deadline."""
        deadline = time.perf_counter() + seconds
        while time.perf_counter() < deadline and not self.eof:
            chunks = self.read_burst(0.05, min(1.0, deadline - time.perf_counter()))
            for i, (at, data) in enumerate(chunks):
                self.screen.feed(data)
                if re.search(pattern, self.screen.text()):
                    self.feed(chunks[i + 1 :])
                    return at
        return None

    def close(self):
        """Leave as a user would (Esc out of a search, then q), else SIGTERM, SIGKILL.
        The two keys go apart: ESC and q in one read would be alt-q."""
        for key in (b"\x1b", b"q"):
            try:
                self.write(key)
            except OSError:
                break
            self.read_burst(0.1, 0.5)
        deadline = time.perf_counter() + 5.0
        while time.perf_counter() < deadline:
            self.read_burst(0.05, 0.05)
            done, _ = os.waitpid(self.pid, os.WNOHANG)
            if done:
                return
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.kill(self.pid, sig)
            except ProcessLookupError:
                return
            time.sleep(0.5)
            done, _ = os.waitpid(self.pid, os.WNOHANG)
            if done:
                return


def ms(seconds):
    return f"{seconds * 1000:.3f}"


def key_bytes(spec):
    """`j` or `ctrl-d` or `esc` -> the bytes a terminal sends."""
    named = {"esc": b"\x1b", "enter": b"\r", "space": b" "}
    if spec in named:
        return named[spec]
    if spec.startswith("ctrl-") and len(spec) == 6:
        return bytes([ord(spec[5].lower()) & 0x1F])
    return spec.encode()


# What ratatui writes for a frame with no changed cell (the clock tick draws one every
# second): colours and attributes reset, the cursor hidden. It changes nothing on screen.
NOTHING_DRAWN = re.compile(rb"\x1b\[[0-9;]*m|\x1b\[\?25[lh]")


def drawn(chunks):
    """The chunks that changed the screen (not a tick's empty frame)."""
    return [(at, data) for at, data in chunks if NOTHING_DRAWN.sub(b"", data)]


def press(child, data, idle, timeout):
    """Write one key; the time to the last byte it drew, or None when it drew nothing."""
    began = time.perf_counter()
    child.write(data)
    chunks = child.read_burst(idle, timeout)
    child.feed(chunks)
    changed = drawn(chunks)
    return changed[-1][0] - began if changed else None


def run_keys(child, args):
    for spec in args.key:
        name, _, count = spec.rpartition(":")
        samples, silent = [], 0
        for _ in range(int(count)):
            took = press(child, key_bytes(name), args.idle_ms / 1000, args.timeout)
            if took is None:
                silent += 1
                # Each costs the whole timeout: a key that never draws is not waited on.
                if silent >= 10:
                    print(f"error {name}: stopped after {silent} presses drew nothing", flush=True)
                    break
            else:
                samples.append(took)
        print("samples", name, silent, *map(ms, samples), flush=True)


# The status line once the search is answered: the count of all matches, or every hit.
COUNTED = re.compile(r"newest \d+ of (\d+|more than \d+) hits for|(\d+) hit\(s\) for")
# The hits listed (the count may still be on its way: `newest 1000 hits for … (counting`).
LISTED = re.compile(r" hits for | hit\(s\) for ")
# ratatui ends every frame by hiding the cursor (when no prompt shows one): where one
# frame stops in the stream.
FRAME_END = re.compile(rb"(?<=\x1b\[\?25l)")


class Search:
    """One search's frames, in order: Enter's own (`searching …`, which replaces the last
    run's answer on the status line), the hits, the count of all of them. Each is timed
    at the arrival of the chunk that ended it."""

    def __init__(self):
        self.searching = False
        self.listed = self.counted = self.count = None

    def feed(self, screen, chunks):
        for at, data in chunks:
            for piece in FRAME_END.split(data):
                screen.feed(piece)
                if piece.endswith(b"\x1b[?25l") and self.counted is None:
                    self._frame(screen.text(), at)

    def _frame(self, text, at):
        if not self.searching:
            self.searching = "searching " in text
            return
        if self.listed is None and LISTED.search(text):
            self.listed = at
        found = COUNTED.search(text)
        if found:
            self.counted, self.count = at, found.group(1) or found.group(2)


def run_search(child, args):
    listed, counted, count = [], [], None
    for run in range(args.runs):
        child.write(b"/")
        child.feed(child.read_burst(0.1, 2.0))
        child.write(args.query.encode())
        child.feed(child.read_burst(0.1, 2.0))
        search = Search()
        began = time.perf_counter()
        child.write(b"\r")
        deadline = began + args.timeout
        while search.counted is None and time.perf_counter() < deadline and not child.eof:
            chunks = child.read_burst(args.idle_ms / 1000, deadline - time.perf_counter())
            if not chunks:
                break
            search.feed(child.screen, chunks)
        if search.counted is None:
            print(f"error run {run}: no count of hits within {args.timeout} s", flush=True)
            return
        listed.append(search.listed - began)
        counted.append(search.counted - began)
        count = search.count
        # Esc leaves the search for the Inbox again.
        child.write(b"\x1b")
        child.feed(child.read_burst(0.2, 2.0))
    print("hits", count, flush=True)
    print("samples", "listed", 0, *map(ms, listed), flush=True)
    print("samples", "counted", 0, *map(ms, counted), flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("mode", choices=["keys", "search"])
    parser.add_argument("binary")
    parser.add_argument("home")
    parser.add_argument("ready", help="text the first full frame shows")
    parser.add_argument("--key", action="append", default=[], help="NAME:COUNT, e.g. j:1000")
    parser.add_argument("--query", default="")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--idle-ms", type=float, default=50.0)
    parser.add_argument("--timeout", type=float, default=5.0, help="seconds per key or search")
    args = parser.parse_args()

    began = time.perf_counter()
    child = Child(args.binary, args.home)
    try:
        shown = child.wait_for(re.escape(args.ready), 60.0)
        if shown is None:
            print(f"error `{args.ready}` never showed; screen:", flush=True)
            for line in child.screen.text().splitlines():
                print("error |", line.rstrip(), flush=True)
            return
        print("ready", ms(shown - began), flush=True)
        # Let the first frames (folders, counts) finish before timing anything.
        child.feed(child.read_burst(0.5, 0.5))
        if args.mode == "keys":
            run_keys(child, args)
        else:
            run_search(child, args)
    finally:
        child.close()


if __name__ == "__main__":
    sys.exit(main())
