"""The work an outbox row asks for: its `taak`, stored as these strings, so they never change.

Every layer that writes or runs outbox rows names the work through these: the intake leaves
the three registrations (gateway.intake.handlers), a decision the execution and the "in
onderzoek" report (gateway.domain.aanvraag.besluiten), a message put in a postbus the webhook
notice (gateway.domain.berichten.uitgaand), an envelope for the chain its delivery
(gateway.domain.berichten.envelop); gateway.work.queue holds the handler of each.
"""
from __future__ import annotations

VERWERK_AGJ = "verwerk_agj"
VERWERK_JW315 = "verwerk_jw315"
VERWERK_JW317 = "verwerk_jw317"
UITVOEREN = "uitvoeren_besluit"
ONDERZOEK_MELDEN = "uitvoeren_onderzoek"
WEBHOOK = "webhook"
GGK_VERZENDEN = "ggk_verzenden"  # hand one stored StUF-GGk envelope to the chain's adapter
# The sandbox's grant after 'in onderzoek' (gateway.domain.aanvraag.sandbox), due a while later.
SANDBOX_TOEKENNEN = "sandbox_toekennen"
