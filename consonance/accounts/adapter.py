"""django-allauth, fitted to member accounts: sign-in by an e-mailed code only (no passwords, no
allauth sign-up form), the code mailed through the outbox in the coach's voice, and the member's
own pages as where she lands. Staff never sign in here (they have /staff/, django-otp + axes)."""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.contrib import messages
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from consonance.accounts.members import pending_get
from consonance.accounts.tasks import signin_mail_later


class MemberAccountAdapter(DefaultAccountAdapter):
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "incorrect_code": _("Koden stämmer inte, eller har gått ut. Be om en ny."),
        "too_many_login_attempts": _("För många felaktiga koder. Be om en ny kod."),
    }

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False  # new members start on /konto/ with their name (views.home)

    def get_login_redirect_url(self, request: HttpRequest) -> str:
        return reverse("accounts:home")

    def login(self, request: HttpRequest, user: Any) -> None:
        user.backend = "django.contrib.auth.backends.ModelBackend"
        super().login(request, user)  # django.contrib.auth.login: a new session key

    def add_message(
        self,
        request: HttpRequest,
        level: int,
        message_template: str | None = None,
        message_context: dict | None = None,
        extra_tags: str = "",
        message: str | None = None,
    ) -> None:
        """Only the messages written here (error_messages); allauth's own would name the opaque
        user and speak English."""
        if message:
            messages.add_message(request, level, message, extra_tags=extra_tags)

    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        if template_prefix != "account/email/login_code":
            return  # nothing else of allauth's is switched on; never mail in its voice
        pending = pending_get(context["request"])
        signin_mail_later(
            to=email,
            code=context["code"] if pending.user_id else "",  # user 0: nobody's (views.py)
            language=pending.language,
            new=pending.new,
            person_id=pending.person_id,
        )
