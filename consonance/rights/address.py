"""Changing her address (P25), the parts that touch the new address: the mail to it, sent in
the background (tasks.address_mail_task) so that the page neither shows nor takes longer when the
address is someone else's (issue 12 finding 3, issue 21 finding 4), and forgetting such mail when
she is erased (issue 21 finding 6). The change itself is services.person_address_confirm."""

from __future__ import annotations

import re

from django.utils import translation

from consonance.lib.urls import absolute_reverse
from consonance.mail.outbox import mail_forget, mail_queue
from consonance.mail.selectors import outbox_texts
from consonance.people.models import Person
from consonance.rights.tokens import LINK_MAX_AGE, address_token, address_token_open

ADDRESS_CONFIRM_TEMPLATE = "rights_address_confirm"
_TOKEN_IN_URL = re.compile(r"/([A-Za-z0-9_-]{40,})/")


def address_change_mail(*, person_id: int, new_email: str, language: str) -> bool:
    """The mail to the address she asked to move to (in the background, after person_rectify:
    whether the address is taken shows neither in the page nor in its time): the link that
    confirms it, or a note that it is in use. False when she is gone meanwhile."""
    person = Person.objects.filter(pk=person_id).first()
    if person is None or person.email == new_email:
        return False
    with translation.override(language):
        if Person.objects.filter(email=new_email).exists():
            mail_queue(to=new_email, template="rights_address_taken", context={}, language=language)
        else:
            url = absolute_reverse("rights:address", address_token(person, new_email))
            mail_queue(
                to=new_email,
                template=ADDRESS_CONFIRM_TEMPLATE,
                context={"url": url, "minutes": LINK_MAX_AGE // 60},
                language=language,
            )
    return True


def address_change_mail_forget(*, person_id: int, actor: str) -> int:
    """Cancel the links mailed to addresses she asked to move to (for her erasure, finding 6 of
    issue 21). Such a mail goes to an address that is not hers yet, so it is linked to nobody
    (linking it would show in her copy of her data, and tell whether the address was taken);
    it is found by the sealed token in its link instead. Returns how many were deleted."""
    moving_to = {
        found[1]
        for text in outbox_texts(ADDRESS_CONFIRM_TEMPLATE)
        for token in _TOKEN_IN_URL.findall(text)
        if (found := address_token_open(token)) and found[0] == person_id
    }
    return sum(mail_forget(email=email, actor=actor) for email in moving_to)
