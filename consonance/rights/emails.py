"""The rights app's mail types (P20). The messages themselves are queued where the request is
handled (services, address, erasure, sessions, tasks); their purposes are declared here, as every
app declares them beside its e-mails (privacy/mail_types.py)."""

MAIL_TYPES = {
    "rights_link": "rights",
    "rights_address_confirm": "rights",
    "rights_address_taken": "rights",
    "rights_address_changed": "rights",
    "rights_erasure_stalled": "coach_notice",
    "rights_erasure_receipt": "rights",
    "rights_reminder": "coach_notice",
    "rights_sessions_coach": "coach_notice",
}
