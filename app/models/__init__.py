"""SQLAlchemy models, one module per aggregate; importing this package registers them all."""
from .base import Base, UtcDateTime
from .place import District, Jurisdiction, Village
from .agency import Agency, Category, RoutingRule
from .sla import SlaPolicy
from .user import AGENCY_ROLES, JURISDICTION_ROLES, ROLES, ApiToken, User
from .complaint import OPEN_STATUSES, Complaint, Reporter, TicketCounter
from .event import Event
from .breach import Breach
from .outbox import OutboxMessage
from .files import FILE_PURPOSES, ComplaintFile

__all__ = [
    "Agency", "ApiToken", "AGENCY_ROLES", "Base", "Breach", "Category", "Complaint", "ComplaintFile", "District",
    "Event", "FILE_PURPOSES", "Jurisdiction", "JURISDICTION_ROLES", "OPEN_STATUSES", "OutboxMessage", "Reporter",
    "ROLES", "RoutingRule",
    "SlaPolicy", "TicketCounter", "User", "UtcDateTime", "Village",
]

# Feature modules: each registers its own tables on Base.metadata.
from . import sla_engine, telegram, sms, web, performance, partner, reference, metrics, satisfaction, post, whatsapp  # noqa: E402,F401
