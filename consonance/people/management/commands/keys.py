"""`consonance keys rotate`: re-wrap every person key under a new master key, site running.

The whole procedure (README, "Rotating the master key"): put the new key in
CONSONANCE_MASTER_KEY and the previous one in CONSONANCE_MASTER_KEY_OLD, restart the site and
the worker, run this, then follow what it prints.
"""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from consonance.lib import keyring
from consonance.people.keys_rotation import KeyUnreadable, keys_rotate, keys_to_rotate
from consonance.privacy.policy import get_policy


class Command(BaseCommand):
    help = "Master-key management. `rotate`: re-wrap every person key under the current key."

    def add_arguments(self, parser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser(
            "rotate",
            help="Re-wrap every person key under CONSONANCE_MASTER_KEY, reading the ones "
            "wrapped under CONSONANCE_MASTER_KEY_OLD; resumable; the site keeps running.",
        )

    def handle(self, *args, action: str, **options) -> None:
        new_id = keyring.current_key_id()
        left = keys_to_rotate()
        self.stdout.write(f"{left} person key(s) to re-wrap under master key {new_id}.")
        try:
            done = keys_rotate(progress=lambda n: self.stdout.write(f"  {n} of {left} re-wrapped"))
        except KeyUnreadable as error:
            raise CommandError(f"keys rotate: {error}") from None
        self.stdout.write(f"Done: {done} person key(s) re-wrapped; all are under {new_id}.")
        self._next_steps()

    def _next_steps(self) -> None:
        keep_until = get_policy().backup_retention.after(timezone.now())
        lines = ["Next:"]
        if settings.CONSONANCE_MASTER_KEY_OLD:
            lines.append(
                "  1. In the environment of the site and the worker (e.g. /etc/consonance/env), "
                "remove CONSONANCE_MASTER_KEY_OLD and set (it keeps the audit chain and the "
                "hashes of erased addresses meaning what they mean):"
            )
        else:
            lines.append("  1. Keep in the environment of the site and the worker:")
        lines += [
            f"       CONSONANCE_PINNED_KEYS={keyring.pinned_line()}",
            "  2. Restart them: systemctl restart consonance-web consonance-worker",
            "  3. Keep the old master key offline until "
            f"{keep_until:%Y-%m-%d}: the backups taken before now can only be read with it "
            "(restore them with it in CONSONANCE_MASTER_KEY_OLD).",
        ]
        self.stdout.write("\n".join(lines))
