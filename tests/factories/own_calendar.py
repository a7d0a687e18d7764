"""The coach's own calendar, served on loopback (booking/busy.py)."""

from __future__ import annotations

import pytest

# -- the coach's own calendar, served on loopback (booking/busy.py) -------------------------------

# A private calendar as Google, iCloud or Outlook serve it, for the week of NOW (Monday 16 March
# 2026): a weekly meeting in Stockholm time with one date taken out (RRULE, EXDATE), a call in
# New York time (TZID), an all-day event, a time marked free (TRANSP:TRANSPARENT), a cancelled
# event, and titles, places and descriptions that must never be stored.
OWN_CALENDAR = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//Test//Own calendar//SV
X-WR-CALNAME:Privat
BEGIN:VTIMEZONE
TZID:America/New_York
BEGIN:DAYLIGHT
TZOFFSETFROM:-0500
TZOFFSETTO:-0400
TZNAME:EDT
DTSTART:19700308T020000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU
END:DAYLIGHT
BEGIN:STANDARD
TZOFFSETFROM:-0400
TZOFFSETTO:-0500
TZNAME:EST
DTSTART:19701101T020000
RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU
END:STANDARD
END:VTIMEZONE
BEGIN:VEVENT
UID:weekly@test
DTSTAMP:20260301T000000Z
DTSTART;TZID=Europe/Stockholm:20260304T100000
DTEND;TZID=Europe/Stockholm:20260304T120000
RRULE:FREQ=WEEKLY;BYDAY=WE
EXDATE;TZID=Europe/Stockholm:20260325T100000
SUMMARY:Tandläkare Hemlighetsson
LOCATION:Storgatan 1
DESCRIPTION:Privat anteckning
END:VEVENT
BEGIN:VEVENT
UID:newyork@test
DTSTAMP:20260301T000000Z
DTSTART;TZID=America/New_York:20260319T090000
DTEND;TZID=America/New_York:20260319T100000
SUMMARY:Samtal med New York
END:VEVENT
BEGIN:VEVENT
UID:allday@test
DTSTAMP:20260301T000000Z
DTSTART;VALUE=DATE:20260320
DTEND;VALUE=DATE:20260321
SUMMARY:Kurs hela dagen
END:VEVENT
BEGIN:VEVENT
UID:free@test
DTSTAMP:20260301T000000Z
DTSTART:20260317T080000Z
DTEND:20260317T160000Z
TRANSP:TRANSPARENT
SUMMARY:Påminnelse (ledig)
END:VEVENT
BEGIN:VEVENT
UID:cancelled@test
DTSTAMP:20260301T000000Z
DTSTART:20260323T090000Z
DTEND:20260323T100000Z
STATUS:CANCELLED
SUMMARY:Inställt möte
END:VEVENT
END:VCALENDAR
""".replace("\n", "\r\n")


class CalendarServer:
    """A small HTTP server on loopback: `files[path] = (status, body, delay_seconds)`."""

    def __init__(self) -> None:
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        files: dict[str, tuple[int, bytes, float]] = {}
        self.files = files
        self.requests: list[str] = []
        requests = self.requests

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                requests.append(self.path)
                status, body, delay = files.get(self.path, (404, b"not found", 0.0))
                if delay:
                    import time as _time

                    _time.sleep(delay)
                self.send_response(status)
                self.send_header("Content-Type", "text/calendar; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:  # quiet
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"

    def serve(self, path: str, body: str | bytes, status: int = 200, delay: float = 0.0) -> str:
        self.files[path] = (status, body.encode() if isinstance(body, str) else body, delay)
        return self.url(path)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def calendar_server():
    server = CalendarServer()
    yield server
    server.close()
