from __future__ import annotations

NOT_PERSONAL = {
    "worker.PeriodicJob": "schedule bookkeeping: task names and times",
    "worker.Heartbeat": "the machine's host name and when its worker last ran",
}
