"""Partner ingestion: configs, readers, mapping and the idempotent loader."""

from mash.ingest.config import PartnerConfig, load_config, load_configs
from mash.ingest.load import DeliveryResult, ingest_file, ingest_partner, ingest_partners, landing_files
from mash.ingest.summary import partner_summary, reconciliation_problems

__all__ = [
    "DeliveryResult", "PartnerConfig", "ingest_file", "ingest_partner", "ingest_partners", "landing_files", "load_config",
    "load_configs", "partner_summary", "reconciliation_problems",
]
