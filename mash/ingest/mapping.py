"""Map a partner's rows onto canonical notifications and person mentions.

All of it is vectorised over the file's rows. A row that cannot be mapped is
rejected with the first reason found, naming the column, the value and, for an
unknown code, the config table to add it to. Nothing is guessed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from mash.ingest.config import SEVERITIES, PartnerConfig, norm_code
from mash.ingest.readers import RAW_ROW_KEEP, Quarantine, RawTable

NOTIFICATION_COLUMNS = [
    "notification_id", "partner", "owner_agency", "delivery_id", "file_name", "row_number", "source_ref",
    "event_date", "reported_date", "concern_code", "concern_type", "severity_code", "severity",
    "severity_rank", "channel", "decision", "decided_at", "contact_source", "rag", "dash_risk", "attendance_pct", "consent",
    "consent_override_rationale", "consent_authorised_by", "free_text", "n_people",
]
MENTION_COLUMNS = [
    "mention_id", "notification_id", "partner", "delivery_id", "file_name", "row_number", "member_position",
    "role", "first_name", "middle_name", "surname", "full_name", "dob", "dob_raw", "dob_issue", "age_years",
    "sex", "address", "postcode", "nhs_number", "upn", "pnc", "ni_number", "la_id", "other_id",
]
_NAME_OR_ID = ["first_name", "surname", "full_name", "nhs_number", "upn", "pnc", "ni_number", "la_id", "other_id"]


@dataclass
class Mapped:
    """The canonical rows of one delivery and its row-level rejects."""

    notifications: pd.DataFrame
    mentions: pd.DataFrame
    rejects: list[tuple[int, str, str]]


def _text(rows: pd.DataFrame, column: str | None) -> pd.Series:
    """Stripped text of a source column, empty strings as missing."""
    if column is None:  # all missing; built from Arrow nulls (pandas' scalar broadcast is slow for strings)
        return pd.Series(pd.arrays.ArrowStringArray(pa.nulls(len(rows), pa.large_string())), index=rows.index)
    s = rows[column]
    if isinstance(s.array, pd.arrays.ArrowStringArray):  # what the readers make: straight in Arrow
        stripped = pc.utf8_trim_whitespace(pa.array(s.array))  # what pandas' .str.strip() runs
        kept = pc.if_else(pc.greater(pc.utf8_length(stripped), 0), stripped, pa.scalar(None, stripped.type))
        return pd.Series(pd.arrays.ArrowStringArray(kept), index=rows.index)
    s = s.astype("string").str.strip()
    return s.where(s.str.len() > 0)


def _ids(delivery_id: str, *numbers: pd.Series) -> pd.arrays.ArrowStringArray:
    """``<delivery_id>:<n>[:<m>]`` for each row, built in Arrow.

    >>> list(_ids("d", pd.Series([1, 20]), pd.Series([0, 3])))
    ['d:1:0', 'd:20:3']
    """
    parts = [pa.array(np.full(len(numbers[0]), delivery_id, dtype=object), type=pa.large_string())]
    parts += [pc.cast(pa.array(np.asarray(n, dtype=np.int64)), pa.large_string()) for n in numbers]
    return pd.arrays.ArrowStringArray(pc.binary_join_element_wise(*parts, pa.scalar(":", pa.large_string())))


def _distinct(values: pd.Series) -> tuple[np.ndarray, pd.Series]:
    """``values`` as codes into its distinct non-missing values (code -1: missing).

    Dates, codes and names repeat a great deal, so work done once per distinct value is much cheaper
    than once per row, and gives the same answer as long as it is done value by value.
    """
    codes, uniques = pd.factorize(values)
    return codes, pd.Series(uniques)


def _spread(codes: np.ndarray, results: np.ndarray, index: pd.Index, missing) -> np.ndarray:
    """The per-distinct-value ``results`` back on every row; ``missing`` where the code is -1."""
    out = np.empty(len(codes), dtype=results.dtype)
    out[:] = missing
    present = codes >= 0
    out[present] = results[codes[present]]
    return out


# Formats whose everyday spelling (ASCII digits, zero-padded, years 1900-2099) Arrow parses in C++.
_PLAIN_DATES = {"%d/%m/%Y": r"^\d\d/\d\d/(19|20)\d\d$", "%Y-%m-%d": r"^(19|20)\d\d-\d\d-\d\d$",
                "%d-%m-%Y": r"^\d\d-\d\d-(19|20)\d\d$", "%Y/%m/%d": r"^(19|20)\d\d/\d\d/\d\d$"}


def _parse_plain_dates(uniques: pd.Series, fmt: str, parsed: np.ndarray, todo: np.ndarray) -> None:
    """Parse the still-to-do values spelled exactly as ``fmt`` writes a date, with Arrow's strptime.

    A value is taken only when formatting the parsed date with ``fmt`` gives the value back, so an
    impossible date (31/02/2025, which a C strptime may roll over into March) is left for the
    row-by-row parse, as is every other spelling: for everything taken, Python's strptime gives the
    same date (tests/ingest/test_properties.py compares them).
    """
    text = pa.array(uniques.to_numpy(dtype=object)[todo], type=pa.large_string())
    plain = pc.match_substring_regex(text, _PLAIN_DATES[fmt])
    if not pc.any(plain).as_py():
        return
    stamps = pc.strptime(pc.if_else(plain, text, pa.scalar(None, text.type)), format=fmt, unit="s",
                         error_is_null=True)
    same = pc.fill_null(pc.equal(pc.strftime(stamps, format=fmt), text), False)
    if not pc.any(same).as_py():
        return
    where = np.flatnonzero(todo)[same.to_numpy(zero_copy_only=False)]
    parsed[where] = pc.filter(stamps, same).to_numpy(zero_copy_only=False).astype("datetime64[s]")
    todo[where] = False


def parse_dates(values: pd.Series, formats: tuple[str, ...]) -> pd.Series:
    """Parse text dates trying each strptime format in order; unparseable or impossible -> NaT.

    Each distinct text is parsed once.

    >>> parse_dates(pd.Series(["31/02/2025", "01/03/2025", "2025-03-02"]), ("%d/%m/%Y", "%Y-%m-%d")).dt.day.tolist()
    [nan, 1.0, 2.0]
    """
    if not values.notna().any():  # an unmapped or empty column
        return pd.Series(np.full(len(values), np.datetime64("NaT", "s")), index=values.index)
    codes, uniques = _distinct(values)
    parsed = np.full(len(uniques), np.datetime64("NaT", "s"))
    todo = np.ones(len(uniques), dtype=bool)  # the distinct values are never missing
    for fmt in formats:
        if not todo.any():
            break
        if fmt in _PLAIN_DATES:
            _parse_plain_dates(uniques, fmt, parsed, todo)
            if not todo.any():
                break
        attempt = pd.to_datetime(uniques[todo], format=fmt, errors="coerce").astype("datetime64[s]").to_numpy()
        got = ~np.isnat(attempt)
        where = np.flatnonzero(todo)[got]
        parsed[where] = attempt[got]
        todo[where] = False
    out = _spread(codes, parsed, values.index, np.datetime64("NaT", "s"))
    return pd.Series(out, index=values.index, dtype="datetime64[s]")


def _severity_rank(severity: pd.Series) -> np.ndarray:
    """SEVERITIES' rank of each canonical severity (looked up once per distinct value)."""
    codes, uniques = _distinct(severity)
    if (codes < 0).any():
        raise ValueError("a loaded row has no severity")
    return np.array([SEVERITIES[u] for u in uniques], dtype=np.int8)[codes]


def _numbers(values: pd.Series, parse) -> pd.Series:
    """``parse(values)``, or all missing (as floats) without parsing when no value is there."""
    if not values.notna().any():
        return pd.Series(np.full(len(values), np.nan), index=values.index)
    return parse(values)


def _join_columns(df: pd.DataFrame, sep: str) -> pd.Series:
    """Row-wise text join of the columns, vectorised (a row-wise apply costs minutes at 1M rows)."""
    parts = [df[c].astype("string").fillna("") for c in df.columns]
    out = parts[0]
    for p in parts[1:]:
        out = out + sep + p
    return out


def raw_text(rows: pd.DataFrame, cfg: PartnerConfig) -> list[str]:
    """Each row's source fields joined as the partner sent them (for ``rejects.raw_row``), cut to size."""
    raw_cols = [c for c in rows.columns if c != "_row"]
    joined = _join_columns(rows[raw_cols], cfg.delimiter if cfg.format == "csv" else "\t")
    return [str(t)[:RAW_ROW_KEEP] for t in joined]


class _Reasons:
    """First reason per row wins, so a person sees the earliest problem in column order."""

    def __init__(self, index: pd.Index):
        self.index = index
        self.why = np.full(len(index), None, dtype=object)
        self.free = np.ones(len(index), dtype=bool)  # no reason yet

    @property
    def s(self) -> pd.Series:
        return pd.Series(self.why, index=self.index, dtype="object")

    def add(self, mask: pd.Series, message: str, values: pd.Series | None = None) -> None:
        """Record ``message`` for the masked rows; ``{v}`` in it becomes that row's value, quoted.

        Messages are built only for the rows that fail: building them for every row costs seconds at 1M rows.
        """
        hit = np.asarray(mask.to_numpy(dtype=bool, na_value=False) if hasattr(mask, "to_numpy") else mask,
                         dtype=bool) & self.free
        if not hit.any():
            return
        if values is None:
            self.why[hit] = message
        else:
            self.why[hit] = [message.replace("{v}", "'" + str(v)[:80] + "'")
                             for v in values.to_numpy(dtype=object)[hit]]
        self.free &= ~hit

    def set_at(self, position: int, message: str) -> None:
        """Record ``message`` for the row at ``position`` (replacing any reason it had)."""
        self.why[position] = message
        self.free[position] = False


def _code_lookup(values: pd.Series, table: dict[str, str]) -> pd.Series:
    """Map codes through a config table, normalising only the distinct codes (there are few)."""
    codes, uniques = _distinct(values)
    mapped = pa.array([table.get(norm_code(u)) for u in uniques], type=pa.large_string())
    rows = mapped.take(pa.array(codes, mask=codes < 0))  # a missing code (-1) takes a null
    return pd.Series(pd.arrays.ArrowStringArray(rows), index=values.index)


def check_header(table: RawTable, cfg: PartnerConfig) -> None:
    """Quarantine the file when a required or mapped column is missing from its header."""
    if cfg.format == "jsonl":
        return  # JSON keys may be absent per line; required values are checked per row
    wanted = list(cfg.required) + list(cfg.notification.values()) + list(cfg.person.values()) + list(cfg.record_key)
    if cfg.members:
        wanted.append(cfg.members.column)
    missing = [c for c in dict.fromkeys(wanted) if c not in table.header]
    if not missing:
        return
    msg = (f"column(s) {missing} missing from the header of this file. The header has "
           f"{len(table.header)} column(s): {table.header[:12]}{' ...' if len(table.header) > 12 else ''}.")
    if len(table.header) == 1 and cfg.format == "csv":
        other = [d for d in (",", ";", "|", "\t") if d != cfg.delimiter and d in table.header[0]]
        if other:
            msg += (f" The file looks {other[0]!r}-delimited but {cfg.path.name} says {cfg.delimiter!r}: "
                    f"ask the partner to use the agreed delimiter, or change 'delimiter'.")
    else:
        msg += f" If the partner renamed a column, update {cfg.path.name} to the new name."
    raise Quarantine(msg)


def split_full_name(full: object) -> tuple[str | None, str | None, str | None]:
    """'SURNAME, Forename Middle' or 'Forename Middle Surname' -> (first, middle, surname).

    >>> split_full_name("SMITH, Jane Ann"), split_full_name("Tom Smith"), split_full_name("Jayden")
    (('Jane', 'Ann', 'SMITH'), ('Tom', None, 'Smith'), ('Jayden', None, None))
    """
    if not isinstance(full, str) or not full.strip():
        return None, None, None
    if "," in full:
        surname, _, rest = full.partition(",")
        tokens = rest.split()
        return (tokens[0] if tokens else None, " ".join(tokens[1:]) or None, surname.strip() or None)
    tokens = full.split()
    if len(tokens) == 1:
        return tokens[0], None, None
    return tokens[0], " ".join(tokens[1:-1]) or None, tokens[-1]


def _split_full_name(full: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    codes, uniques = _distinct(full)
    parts = [split_full_name(v) for v in uniques.to_numpy(dtype=object)]
    cols = [np.array(c, dtype=object) for c in zip(*parts)] if parts else [np.array([], dtype=object)] * 3
    return tuple(pd.Series(_spread(codes, c, full.index, None), index=full.index, dtype="object")  # type: ignore[return-value]
                 for c in cols)


def _clean_group(value: str | None) -> str | None:
    """A regex group's text without surrounding white space; empty or absent -> None."""
    return (value.strip() or None) if value else None


def map_rows(table: RawTable, cfg: PartnerConfig, delivery_id: str, file_name: str,
             received: dt.date) -> Mapped:
    """Canonical notifications and mentions for one delivery.

    ``received`` is the day the file landed: an event after it is in the future.
    """
    check_header(table, cfg)
    rows = table.rows.reset_index(drop=True)
    if rows.empty:
        return Mapped(pd.DataFrame(columns=NOTIFICATION_COLUMNS), pd.DataFrame(columns=MENTION_COLUMNS), [])
    n_cfg, p_cfg = cfg.notification, cfg.person
    reasons = _Reasons(rows.index)
    texts: dict[str | None, pd.Series] = {}

    def col(field: str, mapping: dict[str, str]) -> pd.Series:
        """The stripped text of the source column mapped to ``field`` (each column worked out once)."""
        column = mapping.get(field)
        if column not in texts:
            texts[column] = _text(rows, column)
        return texts[column]

    # -- notification fields ---------------------------------------------------------------------
    ev_raw = col("event_date", n_cfg)
    event = parse_dates(ev_raw, cfg.date_formats)
    ev_col = n_cfg["event_date"]
    formats = ", ".join(cfg.date_formats)
    reasons.add(ev_raw.isna(), f"event date (column '{ev_col}') is empty")
    reasons.add(event.isna(), f"event date {{v}} in column '{ev_col}' is not a real date "
                              f"in the configured format(s) {formats}", ev_raw)
    reasons.add(event > pd.Timestamp(received), "event date {v}"
                f" is after the day the file was received ({received.isoformat()}); check the date", ev_raw)

    concern_raw = col("concern_code", n_cfg)
    concern = _code_lookup(concern_raw, cfg.map_for("concern_map"))
    reasons.add(concern_raw.isna(), f"concern code (column '{n_cfg['concern_code']}') is empty")
    reasons.add(concern.isna(), "concern code {v}"
                f" is not in [concern_map] of {cfg.path.name}; add it there to load these rows", concern_raw)

    sev_raw = col("severity_code", n_cfg)
    if "severity_code" in n_cfg:
        severity = _code_lookup(sev_raw, cfg.map_for("severity_map"))
        reasons.add(sev_raw.notna() & severity.isna(), "severity code {v}"
                    f" is not in [severity_map] of {cfg.path.name}; add it there", sev_raw)
        severity = severity.where(sev_raw.notna(), cfg.defaults.get("severity", "low"))
    else:
        severity = pd.Series(cfg.defaults.get("severity", "low"), index=rows.index, dtype="object")

    coded: dict[str, pd.Series] = {}
    for field, table_name in (("decision", "decision_map"), ("rag", "rag_map"), ("consent", "consent_map")):
        raw = col(field, n_cfg)
        if field in n_cfg and table_name in cfg.maps:
            mapped = _code_lookup(raw, cfg.map_for(table_name))
            reasons.add(raw.notna() & mapped.isna(), f"{field} code {{v}}"
                        f" is not in [{table_name}] of {cfg.path.name}; add it there", raw)
        else:
            mapped = raw.str.lower()
        coded[field] = mapped
    coded["consent"] = coded["consent"].where(coded["consent"].notna(), "unknown")

    src_raw = col("contact_source", n_cfg)
    if "contact_source_map" in cfg.maps:
        contact_source = _code_lookup(src_raw, cfg.map_for("contact_source_map"))
        reasons.add(src_raw.notna() & contact_source.isna(), "contact source {v}"
                    f" is not in [contact_source_map] of {cfg.path.name}; add it there", src_raw)
    else:
        contact_source = src_raw

    # when the front door decided: timeliness against the RAG timescales is measured to it
    dec_raw = col("decided_at", n_cfg)
    decided_at = parse_dates(dec_raw, cfg.datetime_formats)
    reasons.add(dec_raw.notna() & decided_at.isna(), f"decision time {{v}} in column "
                f"'{n_cfg.get('decided_at')}' is not a date and time in the configured format(s) "
                f"{', '.join(cfg.datetime_formats)}", dec_raw)

    att_raw = col("attendance_pct", n_cfg)
    attendance = _numbers(att_raw, lambda s: pd.to_numeric(s.astype("string").str.rstrip("%"), errors="coerce"))
    reasons.add(att_raw.notna() & attendance.isna(), "attendance {v} is not a number", att_raw)
    reasons.add((attendance < 0) | (attendance > 100), "attendance {v} is not between 0 and 100", att_raw)

    # -- person fields ---------------------------------------------------------------------------
    person = {f: col(f, p_cfg) for f in ("first_name", "middle_name", "surname", "full_name", "address",
                                         "postcode", "nhs_number", "upn", "pnc", "ni_number", "la_id", "other_id")}
    if "full_name" in p_cfg:
        first, middle, surname = _split_full_name(person["full_name"])
        for f, derived in (("first_name", first), ("middle_name", middle), ("surname", surname)):
            if f not in p_cfg:
                person[f] = derived
    role_raw = col("role", p_cfg)
    default_role = cfg.defaults.get("role", "subject")
    if "role" in p_cfg:
        role = _code_lookup(role_raw, cfg.map_for("role_map")) if "role_map" in cfg.maps else role_raw
        reasons.add(role_raw.notna() & role.isna(), "role {v}"
                    f" is not in [role_map] of {cfg.path.name}; add it there", role_raw)
        role = role.where(role_raw.notna(), default_role)
    else:
        role = pd.Series(default_role, index=rows.index, dtype="object")

    has_person = pd.Series(np.logical_or.reduce([person[f].notna().to_numpy() for f in _NAME_OR_ID]),
                           index=rows.index)
    if not cfg.members:
        reasons.add(~has_person, "no name or identifier for the person in this row")

    sex_raw = col("sex", p_cfg)
    sex = _code_lookup(sex_raw, cfg.map_for("sex_map")) if "sex_map" in cfg.maps else \
        sex_raw.str.slice(0, 1).str.upper()
    sex = sex.where(sex.isin(["F", "M"]), "U")

    dob_raw = col("dob", p_cfg)
    dob = parse_dates(dob_raw, cfg.date_formats)
    dob_issue = pd.Series(None, index=rows.index, dtype="object")
    bad_dob = dob_raw.notna() & dob.isna()
    dob_issue[bad_dob] = ("'" + dob_raw[bad_dob].astype(str).str.slice(0, 40) +
                          f"' is not a real date in the format(s) {formats}")
    future_dob = (dob > pd.Timestamp(received)).fillna(False).astype(bool)
    dob_issue[future_dob] = "'" + dob_raw[future_dob].astype(str) + "' is in the future"
    dob = dob.where(~future_dob)

    age_raw = col("age_years", p_cfg)
    age = _numbers(age_raw, lambda s: pd.to_numeric(s.astype("string").str.extract(r"(\d{1,3})", expand=False),
                                                    errors="coerce"))
    age = age.where(age <= 120)

    # -- household-member lists: split and matched in one pass over all the cells ------------------
    members: dict[str, list] = {}
    if cfg.members:
        m = cfg.members
        cells = _text(rows, m.column)
        todo = np.flatnonzero(cells.notna().to_numpy() & reasons.free)
        row_i: list[int] = []
        positions: list[int] = []
        items: list[str] = []
        for i, cell in zip(todo.tolist(), cells.to_numpy(dtype=object)[todo].tolist()):
            pos = 0
            for item in str(cell).split(m.separator):
                if item.strip():
                    pos += 1
                    row_i.append(i)
                    positions.append(pos)
                    items.append(item)
        matches = list(map(m.pattern.match, items))
        failed: dict[int, int] = {}  # row -> its first member that does not match
        for k in [k for k, match in enumerate(matches) if match is None]:
            failed.setdefault(row_i[k], k)
        for i, k in failed.items():
            reasons.set_at(i, f"household member {positions[k]} {items[k].strip()[:80]!r} in column "
                              f"'{m.column}' does not match the [members] pattern of {cfg.path.name}")
        members = {"_i": row_i, "member_position": positions}
        for name in m.pattern.groupindex:
            members[name] = [_clean_group(match.group(name)) if match else None for match in matches]
        reasons.add(~has_person & ~rows.index.isin(row_i), "no name or identifier for any person in this row")

    # -- split good from rejected ------------------------------------------------------------------
    bad = pd.Series(~reasons.free, index=rows.index)
    rejects = []
    if bad.any():
        rejects = [(int(r), str(reason), t) for r, reason, t in
                   zip(rows.loc[bad, "_row"], reasons.why[~reasons.free], raw_text(rows[bad], cfg))]
    ok = ~bad
    row_number = rows["_row"]

    # notification grouping: rows sharing the record key in one file are one notification
    if cfg.record_key:
        key = _join_columns(rows[list(cfg.record_key)], "\x1f")
        first_row = row_number[ok].groupby(key[ok]).transform("min")
    else:
        first_row = row_number[ok]
    nid = pd.Series(_ids(delivery_id, first_row), index=first_row.index)

    sev = severity[ok]
    notif = pd.DataFrame({
        "notification_id": nid,
        "partner": cfg.partner,
        "owner_agency": cfg.agency,
        "delivery_id": delivery_id,
        "file_name": file_name,
        "row_number": first_row,
        "source_ref": col("source_ref", n_cfg)[ok],
        "event_date": event[ok],
        "reported_date": parse_dates(col("reported_date", n_cfg), cfg.date_formats)[ok],
        "concern_code": concern_raw[ok],
        "concern_type": concern[ok],
        "severity_code": sev_raw[ok],
        "severity": sev,
        "severity_rank": _severity_rank(sev),
        "channel": cfg.channel,
        "decision": coded["decision"][ok],
        "decided_at": decided_at[ok],
        "contact_source": contact_source[ok],
        "rag": coded["rag"][ok],
        "dash_risk": col("dash_risk", n_cfg)[ok],
        "attendance_pct": attendance[ok],
        "consent": coded["consent"][ok],
        "consent_override_rationale": col("consent_override_rationale", n_cfg)[ok],
        "consent_authorised_by": col("consent_authorised_by", n_cfg)[ok],
        "free_text": col("free_text", n_cfg)[ok],
    })
    own = pd.DataFrame({
        "notification_id": nid,
        "row_number": row_number[ok],
        "member_position": 0,
        "role": role[ok],
        **{f: person[f][ok] for f in person},
        "dob": dob[ok],
        "dob_raw": dob_raw[ok],
        "dob_issue": dob_issue[ok],
        "age_years": age[ok],
        "sex": sex[ok],
    })
    own = own[has_person[ok]]
    mentions = [own]
    if members.get("_i"):
        mem = pd.DataFrame(members)
        mem = mem[mem["_i"].isin(rows.index[ok])]
        if len(mem):
            idx = mem["_i"].to_numpy()
            full = mem["full_name"] if "full_name" in mem else pd.Series(None, index=mem.index)
            f1, m1, s1 = _split_full_name(full)
            mdob_raw = mem["dob"] if "dob" in mem else pd.Series(None, index=mem.index, dtype="object")
            mdob = parse_dates(mdob_raw, cfg.date_formats)
            missing_role = mem["role"].isna() if "role" in mem else pd.Series(True, index=mem.index)
            mrole_raw = mem["role"] if "role" in mem else pd.Series(None, index=mem.index, dtype="object")
            mrole = _code_lookup(mrole_raw, cfg.map_for("role_map")) if "role_map" in cfg.maps else mrole_raw
            mrole = mrole.where(~missing_role & mrole.notna(), cfg.members.role)
            mdf = pd.DataFrame({
                "notification_id": nid.reindex(idx).to_numpy(),
                "row_number": row_number.reindex(idx).to_numpy(),
                "member_position": mem["member_position"].to_numpy(),
                "role": mrole.to_numpy(),
                "first_name": f1.to_numpy(), "middle_name": m1.to_numpy(), "surname": s1.to_numpy(),
                "full_name": full.to_numpy(),
                "address": person["address"].reindex(idx).to_numpy(),
                "postcode": person["postcode"].reindex(idx).to_numpy(),
                "dob": mdob.to_numpy(),
                "dob_raw": mdob_raw.to_numpy(),
                "dob_issue": np.where(mdob_raw.notna() & mdob.isna(),
                                      "'" + mdob_raw.astype("string").fillna("") + "' is not a real date", None),
                "sex": "U",
            })
            mentions.append(mdf)
    ment = pd.concat(mentions, ignore_index=True) if len(mentions) > 1 else own.reset_index(drop=True)
    present = set(ment.columns)
    for c in [c for c in MENTION_COLUMNS if c not in present]:
        ment[c] = None
    ment["partner"] = cfg.partner
    ment["delivery_id"] = delivery_id
    ment["file_name"] = file_name
    ment["mention_id"] = _ids(delivery_id, ment["row_number"], ment["member_position"])
    ment["age_years"] = pd.to_numeric(ment["age_years"], errors="coerce").astype("Int32")
    ment = ment[MENTION_COLUMNS]

    people = ment.groupby("notification_id").size()
    if cfg.record_key:  # rows sharing a key are one notification
        notif = notif.drop_duplicates("notification_id")
    notif = notif.reset_index(drop=True)
    notif["n_people"] = notif["notification_id"].map(people).fillna(0).astype("int32")
    return Mapped(notifications=notif[NOTIFICATION_COLUMNS], mentions=ment, rejects=rejects)
