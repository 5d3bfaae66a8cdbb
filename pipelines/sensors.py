"""One sensor per partner landing folder: a new or changed file starts that partner's ingest."""


import hashlib
import json
from pathlib import Path

import dagster as dg

from mash.ingest import PartnerConfig, landing_files


def landing_state(cfg: PartnerConfig, landing_root: Path) -> dict[str, list[int]]:
    """File name -> [size, mtime_ns] of every file waiting in the partner's landing folder."""
    state = {}
    for p in landing_files(cfg, landing_root):
        st = p.stat()
        state[p.name] = [st.st_size, st.st_mtime_ns]
    return state


def build_landing_sensor(cfg: PartnerConfig, job, landing_root: Path,
                         interval_seconds: int = 60) -> dg.SensorDefinition:
    """Sensor that requests ``job`` when files in ``landing/<partner>/`` appear or change.

    The cursor is the folder's state, so a file is requested once; the run key is the
    state's hash, so two ticks seeing the same change cannot start two runs.
    """

    @dg.sensor(name=f"landing_{cfg.partner}", job=job, minimum_interval_seconds=interval_seconds,
               default_status=dg.DefaultSensorStatus.RUNNING,
               description=f"Watches {landing_root / cfg.partner} for new {cfg.agency} deliveries ({cfg.file_glob})")
    def _sensor(context: dg.SensorEvaluationContext):
        state = landing_state(cfg, landing_root)
        previous = json.loads(context.cursor) if context.cursor else {}
        changed = sorted(name for name, sig in state.items() if previous.get(name) != sig)
        if not changed:
            return dg.SkipReason(f"no new files in landing/{cfg.partner}")
        cursor = json.dumps(state, sort_keys=True)
        context.update_cursor(cursor)
        return dg.RunRequest(run_key=f"{cfg.partner}-{hashlib.sha256(cursor.encode()).hexdigest()[:16]}",
                             tags={"partner": cfg.partner, "files": ",".join(changed)[:1000]})

    return _sensor
