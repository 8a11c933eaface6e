"""Numbered schema migrations of the SQLite records (``PRAGMA user_version``).

Never edit a released migration: add the next one. Migration 4 adds the audit trail (and fills
it from the findings of older stores, so every record has a trail), sign-off, the exam note,
the exam's version and the editing leases; migration 5 the stored assessments; migration 6 the
patients' versions that key them; migration 7 the workstation of each trail row.
"""

from __future__ import annotations

import sqlite3

MIGRATIONS: tuple[str, ...] = (
    # 1: exams and findings
    """
    CREATE TABLE exams (
        exam_id      TEXT PRIMARY KEY,
        exam_date    TEXT,
        examiner     TEXT NOT NULL DEFAULT '',
        mode         TEXT NOT NULL DEFAULT 'clinical',
        patient_id   TEXT NOT NULL DEFAULT '',
        patient_name TEXT NOT NULL DEFAULT '',
        species      TEXT NOT NULL,
        breed        TEXT NOT NULL DEFAULT '',
        age_years    REAL,
        sex          TEXT NOT NULL DEFAULT 'unknown',
        weight_kg    REAL,
        signs        TEXT NOT NULL DEFAULT '',
        status       TEXT NOT NULL DEFAULT 'in_progress',
        continued    TEXT NOT NULL DEFAULT '',
        updated_at   TEXT
    );
    CREATE TABLE findings (
        exam_id     TEXT NOT NULL REFERENCES exams(exam_id) ON DELETE CASCADE,
        test        TEXT NOT NULL,
        site        TEXT NOT NULL,
        side        TEXT NOT NULL,
        grade       TEXT NOT NULL,
        note        TEXT NOT NULL DEFAULT '',
        recorded_at TEXT,
        seq         INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (exam_id, test, site, side)
    ) WITHOUT ROWID;
    CREATE INDEX exams_by_patient ON exams(patient_id, exam_date);
    CREATE INDEX exams_by_status ON exams(status, updated_at);
    CREATE INDEX exams_by_date ON exams(mode, exam_date);
    """,
    # 2: training attempts (one row per finished simulated case)
    """
    CREATE TABLE training_attempts (
        attempt_id   TEXT PRIMARY KEY,
        exam_id      TEXT REFERENCES exams(exam_id) ON DELETE SET NULL,
        student      TEXT NOT NULL,
        case_id      TEXT NOT NULL,
        level        TEXT NOT NULL DEFAULT '',
        started_at   TEXT,
        finished_at  TEXT,
        grading      REAL,
        localization REAL,
        flags        REAL,
        total        REAL,
        details      TEXT NOT NULL DEFAULT '{}'
    );
    CREATE INDEX attempts_by_student ON training_attempts(student, finished_at);
    """,
    # 3: exams in export order (date, then id) whatever their mode or status: an export of
    # every exam reads the findings exam by exam instead of sorting all of them
    """
    CREATE INDEX exams_in_order ON exams(exam_date, exam_id);
    """,
    # 4: audit trail, sign-off, exam note, version, leases; the trail of older records is
    # filled from what they hold (created, each finding and note recorded, completed)
    """
    ALTER TABLE exams ADD COLUMN signed_by TEXT NOT NULL DEFAULT '';
    ALTER TABLE exams ADD COLUMN signed_at TEXT;
    ALTER TABLE exams ADD COLUMN exam_note TEXT NOT NULL DEFAULT '';
    ALTER TABLE exams ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
    ALTER TABLE exams ADD COLUMN parts TEXT NOT NULL DEFAULT 'quick';
    CREATE TABLE audit (
        seq        INTEGER PRIMARY KEY AUTOINCREMENT,
        exam_id    TEXT NOT NULL,
        patient_id TEXT NOT NULL DEFAULT '',
        at         TEXT NOT NULL,
        by         TEXT NOT NULL DEFAULT '',
        event      TEXT NOT NULL,
        field      TEXT NOT NULL DEFAULT '',
        old_value  TEXT NOT NULL DEFAULT '',
        new_value  TEXT NOT NULL DEFAULT '',
        reason     TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX audit_by_exam ON audit(exam_id, seq);
    CREATE TABLE leases (
        exam_id TEXT PRIMARY KEY,
        holder  TEXT NOT NULL,
        host    TEXT NOT NULL DEFAULT '',
        user    TEXT NOT NULL DEFAULT '',
        since   TEXT NOT NULL,
        expires TEXT NOT NULL
    );
    INSERT INTO audit (exam_id, patient_id, at, by, event, field, old_value, new_value, reason)
    SELECT exam_id, patient_id, at, by, event, field, '', new_value, reason FROM (
        SELECT e.exam_id, e.patient_id, e.exam_date AS d, 0 AS k, 0 AS s,
               coalesce(e.exam_date, e.updated_at, '1970-01-01T00:00:00+00:00') AS at,
               e.examiner AS by, 'created' AS event, '' AS field, '' AS new_value,
               'trail begun from the stored record (schema 4)' AS reason
        FROM exams e
        UNION ALL
        SELECT e.exam_id, e.patient_id, e.exam_date, 1, f.seq,
               coalesce(f.recorded_at, e.exam_date, e.updated_at, '1970-01-01T00:00:00+00:00'),
               e.examiner, 'recorded', f.test || '/' || f.site || '/' || f.side, f.grade, ''
        FROM findings f JOIN exams e ON e.exam_id = f.exam_id
        UNION ALL
        SELECT e.exam_id, e.patient_id, e.exam_date, 2, f.seq,
               coalesce(f.recorded_at, e.exam_date, e.updated_at, '1970-01-01T00:00:00+00:00'),
               e.examiner, 'recorded', f.test || '/' || f.site || '/' || f.side,
               'note:' || f.note, ''
        FROM findings f JOIN exams e ON e.exam_id = f.exam_id WHERE f.note != ''
        UNION ALL
        SELECT e.exam_id, e.patient_id, e.exam_date, 3, 0,
               coalesce(e.updated_at, e.exam_date, '1970-01-01T00:00:00+00:00'),
               e.examiner, 'completed', '', '', ''
        FROM exams e WHERE e.status = 'complete'
    ) ORDER BY d, exam_id, k, s;
    """,
    # 5: stored assessments, a cache keyed by the exam's version, the protocols and the
    # patient's earlier exams (records/assessments.py): a stale row is recomputed, never used
    """
    CREATE TABLE assessments (
        exam_id        TEXT PRIMARY KEY REFERENCES exams(exam_id) ON DELETE CASCADE,
        exam_version   INTEGER NOT NULL,
        protocols_hash TEXT NOT NULL,
        history_hash   TEXT NOT NULL,
        cells          TEXT NOT NULL,
        payload        TEXT NOT NULL,
        computed_at    TEXT NOT NULL
    );
    """,
    # 6: a version per patient, set by triggers in the transaction of any change to the
    # patient's exams (one added, removed, re-dated, moved to another patient, or its version
    # bumped) to a number no patient ever had (one more than the greatest): a stored assessment
    # that carries its patient's version is known fresh for its history without reading the
    # patient's exams (records/assessments.py). Triggers, so that every writer (bulk loads
    # too) keeps it.
    """
    CREATE TABLE patient_versions (
        patient_id TEXT PRIMARY KEY,
        version    INTEGER NOT NULL
    ) WITHOUT ROWID;
    CREATE INDEX patient_versions_by_version ON patient_versions(version);
    ALTER TABLE assessments ADD COLUMN patient_version INTEGER;
    CREATE TRIGGER exams_patient_added AFTER INSERT ON exams WHEN NEW.patient_id != ''
    BEGIN
        INSERT INTO patient_versions (patient_id, version)
        SELECT NEW.patient_id, coalesce((SELECT max(version) FROM patient_versions), 0) + 1
        WHERE true
        ON CONFLICT (patient_id) DO UPDATE SET version = excluded.version;
    END;
    CREATE TRIGGER exams_patient_removed AFTER DELETE ON exams WHEN OLD.patient_id != ''
    BEGIN
        INSERT INTO patient_versions (patient_id, version)
        SELECT OLD.patient_id, coalesce((SELECT max(version) FROM patient_versions), 0) + 1
        WHERE true
        ON CONFLICT (patient_id) DO UPDATE SET version = excluded.version;
    END;
    CREATE TRIGGER exams_patient_changed
    AFTER UPDATE OF exam_id, patient_id, exam_date, version ON exams
    WHEN OLD.exam_id IS NOT NEW.exam_id OR OLD.patient_id IS NOT NEW.patient_id
        OR OLD.exam_date IS NOT NEW.exam_date OR OLD.version IS NOT NEW.version
    BEGIN
        INSERT INTO patient_versions (patient_id, version)
        SELECT OLD.patient_id, coalesce((SELECT max(version) FROM patient_versions), 0) + 1
        WHERE OLD.patient_id != ''
        ON CONFLICT (patient_id) DO UPDATE SET version = excluded.version;
        INSERT INTO patient_versions (patient_id, version)
        SELECT NEW.patient_id, coalesce((SELECT max(version) FROM patient_versions), 0) + 1
        WHERE NEW.patient_id != '' AND NEW.patient_id IS NOT OLD.patient_id
        ON CONFLICT (patient_id) DO UPDATE SET version = excluded.version;
    END;
    """,
    # 7: the workstation (host name, as leases name it) that wrote each trail row: several
    # workstations share one user name. Older rows keep '' (not known).
    """
    ALTER TABLE audit ADD COLUMN host TEXT NOT NULL DEFAULT '';
    """,
)


def statements(script: str) -> list[str]:
    """The statements of a migration script, in order (a trigger's body, semicolons and all,
    is one statement)."""
    out: list[str] = []
    pending = ""
    for piece in script.split(";"):
        pending += piece + ";"
        if sqlite3.complete_statement(pending):
            if pending.strip(" \t\n;"):
                out.append(pending)
            pending = ""
    return out
