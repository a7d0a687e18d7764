"""The production smoke's SMTP server: accepts every message on loopback and writes each, as
received, to FOLDER/NNNN.eml, so the browser driver can read links and codes from the mails.

    python smtp_sink.py PORT FOLDER     (runs until killed; aiosmtpd from the dev extra)
"""

from __future__ import annotations

import itertools
import signal
import sys
import threading
from pathlib import Path

from aiosmtpd.controller import Controller


class FolderHandler:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.numbers = itertools.count(1)
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            number = next(self.numbers)
        partial = self.folder / f"{number:04d}.part"
        partial.write_bytes(envelope.original_content)
        partial.rename(partial.with_suffix(".eml"))  # whole files only, for the reader
        return "250 Message accepted for delivery"


def main() -> None:
    port, folder = int(sys.argv[1]), Path(sys.argv[2])
    folder.mkdir(parents=True, exist_ok=True)
    controller = Controller(FolderHandler(folder), hostname="127.0.0.1", port=port)
    controller.start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    controller.stop()


if __name__ == "__main__":
    main()
