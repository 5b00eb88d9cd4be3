"""Use cases, grouped in rooms by the domain word a reader looks for. Each use case owns one
transaction (or offers a step that does not commit, composed by a caller that does) and takes
`now`, the actor and plain values; none knows Flask or HTTP.

| room | what lives there |
|---|---|
| intake | a new complaint: validation, reporter, routing, deadlines, ticket number, idempotency |
| lifecycle | what happens to a complaint after: acknowledge, handle (with its evidence files), transfer, reject... |
| sla | the SLA cursor of each complaint, the steps that fire (reminders, breaches, escalation), policy versions, scheduler heartbeats |
| messaging | the outbox, who is told what (notifications), partner webhooks |
| conversations | the citizens' dialogues: SMS/WhatsApp text protocol, Telegram guided report |
| reporting | performance figures and contracts (with their rollups) and the staff board's queries |
| access | staff accounts, API tokens, sign-in |
| reference | jurisdictions, gazetteer, agencies, routing, the reference cache |
| demo | the demo seed (`seed demo`) |
| audit | the hash-chained trail of every complaint |

`errors.py` holds the errors every room raises. Rooms depend downwards only, in this order (a `|`
marks rooms beside each other that may not import each other):

    demo > conversations > lifecycle > intake > sla > reporting > access > messaging > reference | audit > errors

That order, the layers and the absence of import circles are import-linter contracts
(`.importlinter`), checked by `make test`."""
