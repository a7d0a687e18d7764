"""`consonance practice close --on DATE [--dry-run] [--json]` and `consonance practice reopen`."""

from __future__ import annotations

import datetime as dt
import json

from django.core.management.base import BaseCommand, CommandError

from consonance.audit.services import SYSTEM
from consonance.privacy.closure import ClosureInvalid, closure_reopen
from consonance.web.closure import closure_carry, closure_plan


class Command(BaseCommand):
    help = (
        "The practice closes: `close --on DATE [--dry-run] [--json]` records it, tells members "
        "and subscribers, cancels later sessions; `reopen` undoes it before the date."
    )

    def add_arguments(self, parser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        close = sub.add_parser("close", help="Close the practice on a date.")
        close.add_argument("--on", required=True, help="The date it closes (YYYY-MM-DD).")
        close.add_argument("--dry-run", action="store_true", help="Only say what would happen.")
        close.add_argument("--json", action="store_true", help="Print the plan as JSON.")
        sub.add_parser("reopen", help="Undo the closure before its date.")

    def handle(self, *args, action: str, **options) -> None:
        if action == "reopen":
            try:
                closure_reopen(actor=SYSTEM)
            except ClosureInvalid as error:
                raise CommandError(str(error)) from error
            self.stdout.write("The practice is open again.")
            return
        try:
            closes_on = dt.date.fromisoformat(options["on"])
        except ValueError:
            raise CommandError(f"--on {options['on']}: expected a date YYYY-MM-DD") from None
        if options["dry_run"]:
            plan = closure_plan(closes_on)
        else:
            try:
                plan = closure_carry(closes_on=closes_on, actor=SYSTEM)
            except ClosureInvalid as error:
                raise CommandError(str(error)) from error
        if options["json"]:
            self.stdout.write(json.dumps(plan, ensure_ascii=False, indent=2))
        else:
            self._text(plan, options["dry_run"])

    def _text(self, plan: dict, dry_run: bool) -> None:
        n, b, d = plan["notices"], plan["bookings"], plan["deletions"]
        verb = "would" if dry_run else "will"
        self.stdout.write(
            f"The practice {verb} close on {plan['closes_on']}.\n"
            f"Notices: {n['members']} members, {n['subscribers']} subscribers, told {n['told_on']}.\n"
            f"Sessions cancelled: {b['cancelled']}, refunds {b['refunds']} ({b['refund_total']} kr).\n"
            f"Booking and newsletter sign-up closed from {plan['signups_closed']['from']}.\n"
            f"On {d['on']}: {d['people']} people erased (accounts, newsletter); "
            f"{len(d['own_clock'])} other rules run on their own clocks.\n"
            f"Archive: {len(plan['archive']['years'])} fiscal years in {plan['archive']['folder']}."
        )
        if plan["archive"]["problem"]:
            self.stderr.write(f"Cannot close yet: {plan['archive']['problem']}.")
