-- The factd store.
--
-- This file is compiled into factd and applied when a store is opened.  It is
-- a list of migrations, each headed by a line "-- migration N: what".  A
-- store's PRAGMA user_version is the last migration applied to it; opening a
-- store applies the ones after that, in order, each in its own transaction,
-- so a store made by an older factd is upgraded in place.  A migration, once
-- released, is never edited: a change is a new migration at the end.
--
-- Times are UTC text, 'YYYY-MM-DDTHH:MM:SSZ'.  docs/analysts.md explains
-- every table and view column by column.

-- migration 1: documents, versions, pattern sets, facts, sightings, views

-- A pattern set that extracted something: the hash of its files.
CREATE TABLE pattern_sets (
    id        INTEGER PRIMARY KEY,
    hash      TEXT NOT NULL UNIQUE,
    loaded_at TEXT NOT NULL
) STRICT;

-- A page, by the URI it was fetched from or the path it was read from.
CREATE TABLE documents (
    id         INTEGER PRIMARY KEY,
    uri        TEXT NOT NULL UNIQUE,
    source     TEXT,
    title      TEXT,
    published  TEXT,
    charset    TEXT,
    bytes      INTEGER,
    hash       TEXT,
    first_seen TEXT NOT NULL,
    last_seen  TEXT NOT NULL,
    latest_version_id INTEGER
) STRICT;

-- The views find each document's latest version through this.
CREATE INDEX documents_latest ON documents (latest_version_id);

-- Each distinct content of a document.  A changed page is a new version;
-- earlier ones stay.  documents.latest_version_id names the one the page has
-- now (a page that goes back to an earlier content points at it again).
CREATE TABLE versions (
    id             INTEGER PRIMARY KEY,
    document_id    INTEGER NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    hash           TEXT NOT NULL,
    bytes          INTEGER NOT NULL,
    charset        TEXT,
    seen_at        TEXT NOT NULL,
    pattern_set_id INTEGER REFERENCES pattern_sets (id),
    UNIQUE (document_id, hash)
) STRICT;

-- A fact is the same fact wherever it is seen (docs/FACTS.md, "Identity"):
-- identity is a 128-bit hash of kind, value, value_max, qualifier, the
-- sentence without white space and the fact's position in that sentence.
CREATE TABLE facts (
    id         INTEGER PRIMARY KEY,
    identity   BLOB NOT NULL UNIQUE CHECK (length(identity) = 16),
    kind       TEXT NOT NULL,
    value      REAL NOT NULL,
    value_max  REAL,
    qualifier  TEXT CHECK (qualifier IN ('approx', 'more_than', 'at_least', 'at_most')),
    text       TEXT NOT NULL,
    unit       TEXT NOT NULL,
    sentence   TEXT NOT NULL,
    clause     TEXT NOT NULL,
    position   INTEGER NOT NULL,
    year       INTEGER,
    stance     TEXT CHECK (stance IN ('target', 'reported')),
    first_seen TEXT NOT NULL
) STRICT;
CREATE INDEX facts_kind_value ON facts (kind, value);
CREATE INDEX facts_year ON facts (year);

-- Where and how a fact was seen: one row per fact and document version.
CREATE TABLE sightings (
    id             INTEGER PRIMARY KEY,
    fact_id        INTEGER NOT NULL REFERENCES facts (id) ON DELETE CASCADE,
    version_id     INTEGER NOT NULL REFERENCES versions (id) ON DELETE CASCADE,
    offset         INTEGER NOT NULL,
    text           TEXT NOT NULL,
    sentence       TEXT NOT NULL,
    pattern        TEXT NOT NULL,
    pattern_set_id INTEGER NOT NULL REFERENCES pattern_sets (id),
    UNIQUE (version_id, fact_id)
) STRICT;
CREATE INDEX sightings_fact ON sightings (fact_id);

-- The latest version of each document.
CREATE VIEW latest_versions AS
SELECT v.*
FROM versions v
JOIN documents d ON d.latest_version_id = v.id;

-- Facts as they stand now: seen on the latest version of some document, with
-- that document.  A fact on several pages has a row per page.
CREATE VIEW current_facts AS
SELECT f.id AS fact_id, f.kind, f.value, f.value_max, f.qualifier, f.text, f.unit,
       f.sentence, f.clause, f.position, f.year, f.stance, f.first_seen,
       d.id AS document_id, d.uri, d.source, d.title, d.published,
       s.offset, s.pattern, v.id AS version_id, v.seen_at
FROM facts f
JOIN sightings s ON s.fact_id = f.id
JOIN latest_versions v ON v.id = s.version_id
JOIN documents d ON d.id = v.document_id;

-- Commitments only: facts about the future.
CREATE VIEW commitments AS
SELECT * FROM current_facts WHERE stance = 'target';

-- Totals per kind, source and year: each current fact counted once in its
-- group, however many pages of the group repeat it.
CREATE VIEW totals AS
SELECT kind, source, year, count(*) AS facts, sum(value) AS total_value,
       (SELECT count(DISTINCT c.document_id) FROM current_facts c
        WHERE c.kind = t.kind AND c.source IS t.source AND c.year IS t.year) AS documents
FROM (SELECT DISTINCT fact_id, kind, source, year, value FROM current_facts) t
GROUP BY kind, source, year;

-- migration 2: keyword search over sentences

-- A full-text index of the sentences of facts.  The indexed text has a space
-- between Chinese characters, so each is a token and a phrase finds a word of
-- any length: MATCH '"面 积"' finds 面积, which a trigram index cannot (it
-- needs three characters).  The rowid is the fact id.  factd keeps it up to
-- date itself, in the same transaction as the facts (a trigger would make
-- FTS5 write an index segment for every document); factd_spaced() is a
-- function factd registers on its own connections.
CREATE VIRTUAL TABLE fact_search USING fts5 (spaced, tokenize = 'unicode61');
INSERT INTO fact_search (rowid, spaced) SELECT id, factd_spaced(sentence) FROM facts;

-- migration 3: the crawl frontier of factd run

-- Every URL factd run follows: the list pages of each source and the articles
-- found on them.  It is what a restart resumes from: a page is fetched again
-- when next_fetch has come, conditionally (etag, last_modified), and stored
-- only when its bytes hash differently from hash.
CREATE TABLE frontier (
    url           TEXT PRIMARY KEY,
    source        TEXT NOT NULL,
    kind          TEXT NOT NULL CHECK (kind IN ('list', 'article')),
    -- new: never fetched; ok: fetched, current until next_fetch; retry:
    -- failed, tried again at next_fetch; gone: 404 or 410, not tried again;
    -- failed: gave up after its retries, tried again at the next interval.
    state         TEXT NOT NULL CHECK (state IN ('new', 'ok', 'retry', 'gone', 'failed')),
    etag          TEXT,
    last_modified TEXT,
    hash          TEXT,             -- content hash of the last 200 body (page_hash)
    status        INTEGER,          -- HTTP status of the last attempt, 0 if none came
    error         TEXT,             -- why the last attempt failed, or NULL
    failures      INTEGER NOT NULL DEFAULT 0, -- attempts failed in a row
    next_fetch    REAL NOT NULL,    -- Unix time
    last_fetched  TEXT,
    first_seen    TEXT NOT NULL
) STRICT;
CREATE INDEX frontier_next ON frontier (next_fetch);

-- migration 4: the search index merges its segments 16 at a time

-- FTS5 writes each group's search rows as a new segment and merges segments
-- a little at each later write, by default 4 at a time, so that every row is
-- rewritten once per level and a store of a million facts has four levels.
-- Merging 16 at a time halves the levels, and with them the rewriting that
-- every write pays for; a search reads up to 15 segments a level instead of
-- 3, which measured no slower (docs/analysts.md).  crisismerge, the count at
-- which FTS5 merges a level at once instead of a little at a time, goes from
-- 16 to 32: at 16 it would catch every merge of 16, and a commit that set off
-- such merges level after level took 791 ms against at most 21 at 32
-- (bench/fts-merge).
INSERT INTO fact_search (fact_search, rank) VALUES ('automerge', 16);
INSERT INTO fact_search (fact_search, rank) VALUES ('crisismerge', 32);

-- migration 5: what each figure measures and which way; the document's date and year

-- subject: what the number measures or counts, as written (FACTS.md,
-- Context); direction: 'up' or 'down' when the number is the size of a
-- change (下降1.3% has value 1.3 and direction 'down'), NULL for a level or an
-- amount.  Each version keeps the title, published date and doc_year (the
-- year 今年 means) read from it, as the document row keeps the latest.
-- Facts of a store made before this migration have no subject or direction,
-- and identities without the year: the extraction rules changed with it
-- (EXTRACT_RULES_VERSION), so replay and run extract each page's latest
-- version again, which gives its facts the new identity and fields.
ALTER TABLE facts ADD COLUMN subject TEXT;
ALTER TABLE facts ADD COLUMN direction TEXT CHECK (direction IN ('up', 'down'));
ALTER TABLE versions ADD COLUMN title TEXT;
ALTER TABLE versions ADD COLUMN published TEXT;
ALTER TABLE versions ADD COLUMN doc_year INTEGER;
ALTER TABLE documents ADD COLUMN doc_year INTEGER;

DROP VIEW totals;
DROP VIEW commitments;
DROP VIEW current_facts;

-- Facts as they stand now: seen on the latest version of some document, with
-- that document.  A fact on several pages has a row per page.
CREATE VIEW current_facts AS
SELECT f.id AS fact_id, f.kind, f.value, f.value_max, f.qualifier, f.text, f.unit,
       f.subject, f.direction, f.sentence, f.clause, f.position, f.year, f.stance,
       f.first_seen, d.id AS document_id, d.uri, d.source, d.title, d.published,
       v.doc_year, s.offset, s.pattern, v.id AS version_id, v.seen_at
FROM facts f
JOIN sightings s ON s.fact_id = f.id
JOIN latest_versions v ON v.id = s.version_id
JOIN documents d ON d.id = v.document_id;

-- Commitments only: facts about the future.
CREATE VIEW commitments AS
SELECT * FROM current_facts WHERE stance = 'target';

-- Totals per kind, source and year: each current fact counted once in its
-- group, however many pages of the group repeat it.
CREATE VIEW totals AS
SELECT kind, source, year, count(*) AS facts, sum(value) AS total_value,
       (SELECT count(DISTINCT c.document_id) FROM current_facts c
        WHERE c.kind = t.kind AND c.source IS t.source AND c.year IS t.year) AS documents
FROM (SELECT DISTINCT fact_id, kind, source, year, value FROM current_facts) t
GROUP BY kind, source, year;

-- migration 6: sources as places; citable provenance and the sentence as written;
-- revisions; totals by stance

-- A source is a publisher and a place (factd.conf's [source NAME], or
-- replay's --source with --region, --region-code, --level or --sources).
-- factd writes the row from the configuration on each run and reload, so a
-- changed key is followed; documents.source names it.
CREATE TABLE sources (
    name        TEXT PRIMARY KEY,
    region      TEXT,                 -- 天津市红桥区
    region_code TEXT CHECK (region_code GLOB '[0-9][0-9][0-9][0-9][0-9][0-9]'), -- GB/T 2260: 120106
    level       TEXT CHECK (level IN ('province', 'city', 'district', 'county', 'ministry')),
    updated_at  TEXT NOT NULL
) STRICT;
INSERT INTO sources (name, updated_at)
SELECT DISTINCT source, strftime('%Y-%m-%dT%H:%M:%SZ', 'now') FROM documents
WHERE source IS NOT NULL;

-- What a citation needs: the SHA-256 of the bytes as fetched or read (check
-- a copy with sha256sum), and for a fetched page the WARC file and the
-- WARC-Record-ID of its response record.  Versions stored before these
-- columns came have none of them.
ALTER TABLE versions ADD COLUMN sha256 TEXT;
ALTER TABLE versions ADD COLUMN warc_file TEXT;
ALTER TABLE versions ADD COLUMN warc_record_id TEXT;

-- facts.sentence and sightings.sentence are of the normalized text (NFKC:
-- ，is , and １００ is 100), which the patterns read.  A citation quotes the
-- page: verbatim is the sentence as the page's text has it before NFKC (for
-- HTML, the text of the markup), and original_offset the byte offset of the
-- fact's text in that text, as offset is in the normalized one.  Sightings
-- stored before this migration have neither.
ALTER TABLE sightings ADD COLUMN verbatim TEXT;
ALTER TABLE sightings ADD COLUMN original_offset INTEGER;

DROP VIEW totals;
DROP VIEW commitments;
DROP VIEW current_facts;

-- Facts as they stand now: seen on the latest version of some document, with
-- that document, its source's place, the version's provenance and the
-- sentence as the page writes it.  A fact on several pages has a row per page.
CREATE VIEW current_facts AS
SELECT f.id AS fact_id, f.kind, f.value, f.value_max, f.qualifier, f.text, f.unit,
       f.subject, f.direction, f.sentence, f.clause, f.position, f.year, f.stance,
       f.first_seen, d.id AS document_id, d.uri, d.source, src.region, src.region_code,
       src.level, d.title, d.published, v.doc_year, s.offset, s.pattern,
       v.id AS version_id, v.seen_at, v.sha256, v.warc_file, v.warc_record_id,
       s.verbatim, s.original_offset
FROM facts f
JOIN sightings s ON s.fact_id = f.id
JOIN latest_versions v ON v.id = s.version_id
JOIN documents d ON d.id = v.document_id
LEFT JOIN sources src ON src.name = d.source;

-- Commitments only: facts about the future.
CREATE VIEW commitments AS
SELECT * FROM current_facts WHERE stance = 'target';

-- Totals per kind, source, year and stance: each current fact counted once
-- in its group, however many pages of the group repeat it.  Only amounts
-- add up: total_value is NULL for percent and pct_point, whose count and
-- range (min_value, max_value) are what can be said of them; the size of a
-- change (direction up or down: 增加100亩) is not added to levels and
-- amounts; targets and results are never summed together.
CREATE VIEW totals AS
SELECT kind, source, year, stance, count(*) AS facts,
       CASE WHEN kind IN ('percent', 'pct_point') THEN NULL
            ELSE sum(CASE WHEN direction IS NULL THEN value END) END AS total_value,
       min(value) AS min_value, max(value) AS max_value,
       (SELECT count(DISTINCT c.document_id) FROM current_facts c
        WHERE c.kind = t.kind AND c.source IS t.source AND c.year IS t.year
          AND c.stance IS t.stance) AS documents
FROM (SELECT DISTINCT fact_id, kind, source, year, stance, value, direction FROM current_facts) t
GROUP BY kind, source, year, stance;

-- What each new version of a document changed: the facts it added and
-- dropped against the version before it (by id).  An added and a dropped
-- fact of the same kind, year and stance in the same clause but for the
-- number (新增绿地100亩 -> 新增绿地120亩) are one change, paired one to one
-- in the order of their sentences; a pair whose number is the same (its
-- sentence changed elsewhere, so its identity did) is no change and is not
-- listed.  "Which commitments were revised" is
-- SELECT * FROM fact_changes WHERE change = 'changed' AND stance = 'target'.
CREATE VIEW fact_changes AS
WITH pairs AS (
    SELECT v.id AS version_id, v.document_id, v.seen_at,
           (SELECT max(p.id) FROM versions p
            WHERE p.document_id = v.document_id AND p.id < v.id) AS previous_version_id
    FROM versions v
),
added AS (
    SELECT pr.*, f.id AS fact_id, f.kind, f.value, f.value_max, f.qualifier, f.text, f.clause,
           f.year, f.stance, replace(f.clause, f.text, char(0)) AS shape,
           row_number() OVER (PARTITION BY pr.version_id, f.kind, f.year, f.stance,
                              replace(f.clause, f.text, char(0)) ORDER BY f.id) AS nth
    FROM pairs pr
    JOIN sightings s ON s.version_id = pr.version_id
    JOIN facts f ON f.id = s.fact_id
    WHERE pr.previous_version_id IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM sightings o
                      WHERE o.version_id = pr.previous_version_id AND o.fact_id = f.id)
),
dropped AS (
    SELECT pr.*, f.id AS fact_id, f.kind, f.value, f.value_max, f.qualifier, f.text, f.clause,
           f.year, f.stance, replace(f.clause, f.text, char(0)) AS shape,
           row_number() OVER (PARTITION BY pr.version_id, f.kind, f.year, f.stance,
                              replace(f.clause, f.text, char(0)) ORDER BY f.id) AS nth
    FROM pairs pr
    JOIN sightings s ON s.version_id = pr.previous_version_id
    JOIN facts f ON f.id = s.fact_id
    WHERE NOT EXISTS (SELECT 1 FROM sightings o
                      WHERE o.version_id = pr.version_id AND o.fact_id = f.id)
),
matched AS (
    SELECT a.version_id, a.fact_id AS added_id, r.fact_id AS dropped_id,
           (a.value IS NOT r.value OR a.value_max IS NOT r.value_max
            OR a.qualifier IS NOT r.qualifier) AS differs
    FROM added a
    JOIN dropped r ON r.version_id = a.version_id AND r.kind = a.kind AND r.shape = a.shape
                  AND r.year IS a.year AND r.stance IS a.stance AND r.nth = a.nth
)
SELECT a.document_id, d.uri, a.version_id, a.previous_version_id, a.seen_at, 'changed' AS change,
       a.kind, r.fact_id AS old_fact_id, a.fact_id, r.value AS old_value, a.value,
       r.text AS old_text, a.text, a.clause, a.year, a.stance
FROM matched m
JOIN added a ON a.version_id = m.version_id AND a.fact_id = m.added_id
JOIN dropped r ON r.version_id = m.version_id AND r.fact_id = m.dropped_id
JOIN documents d ON d.id = a.document_id
WHERE m.differs
UNION ALL
SELECT a.document_id, d.uri, a.version_id, a.previous_version_id, a.seen_at, 'added', a.kind,
       NULL, a.fact_id, NULL, a.value, NULL, a.text, a.clause, a.year, a.stance
FROM added a
JOIN documents d ON d.id = a.document_id
WHERE NOT EXISTS (SELECT 1 FROM matched m
                  WHERE m.version_id = a.version_id AND m.added_id = a.fact_id)
UNION ALL
SELECT r.document_id, d.uri, r.version_id, r.previous_version_id, r.seen_at, 'dropped', r.kind,
       r.fact_id, NULL, r.value, NULL, r.text, NULL, r.clause, r.year, r.stance
FROM dropped r
JOIN documents d ON d.id = r.document_id
WHERE NOT EXISTS (SELECT 1 FROM matched m
                  WHERE m.version_id = r.version_id AND m.dropped_id = r.fact_id);

-- migration 7: keyword search as typed: facts_fts

-- fact_search (migration 2) needs a word typed with spaces, as a phrase
-- ('"面 积"'), and finds it across punctuation too (公园,区内 gave 园区).
-- facts_fts finds a word typed as it is: MATCH '面积', '"面积"' (what
-- Datasette sends), '绿化覆盖率', exactly in the sentences that hold it.
-- Its tokenizer is SQLite's own unicode61, which reads a run of Chinese
-- characters as one token, so the text it indexes for a sentence is every
-- piece of 1 to 32 characters of every run of CJK ideographs in it (a run
-- ends at anything else: punctuation, digits, letters, white space), each
-- its own token, and after them the rest of the sentence with those
-- characters made spaces, so that a word in letters or digits (GDP, 5G) is
-- a token as usual.  Pieces never cross punctuation.  The trigram tokenizer
-- would find words of three characters or more, never 面积; docs/search.md
-- gives the measures behind the choice.
--
-- content="facts": a row's sentence is read from facts (the rowid is the
-- fact id), so nothing is stored twice and Datasette offers the search box
-- on facts itself.  detail=none: the index keeps which facts hold a token,
-- not where; a query is one token per word, so positions are not needed,
-- and the index is a third of the size.  Phrases of several tokens are
-- refused by such an index, which says so rather than find nothing.
-- The merge settings are fact_search's (migration 4).
CREATE VIRTUAL TABLE facts_fts USING fts5 (sentence, content="facts", content_rowid="id", tokenize="unicode61", detail="none");
INSERT INTO facts_fts (facts_fts, rank) VALUES ('automerge', 16);
INSERT INTO facts_fts (facts_fts, rank) VALUES ('crisismerge', 32);

-- An external-content index forgets a row only when told the text it
-- indexed, which for a dropped fact is gone with it.  The triggers queue
-- every fact added and dropped (with a dropped one's sentence); factd
-- brings facts_fts up to date from the queue and empties it when it
-- commits, in the same transaction (daemon/store/store.c), with its own
-- SQL function factd_grams(), which builds what the statement below does.
CREATE TABLE facts_fts_queue (
    seq      INTEGER PRIMARY KEY,
    id       INTEGER NOT NULL,
    op       TEXT NOT NULL CHECK (op IN ('add', 'drop')),
    sentence TEXT
) STRICT;
CREATE TRIGGER facts_fts_add AFTER INSERT ON facts BEGIN
    INSERT INTO facts_fts_queue (id, op) VALUES (new.id, 'add');
END;
CREATE TRIGGER facts_fts_drop AFTER DELETE ON facts BEGIN
    INSERT INTO facts_fts_queue (id, op, sentence) VALUES (old.id, 'drop', old.sentence);
END;

-- The facts already stored, indexed here in SQL alone, so that any SQLite
-- can apply this migration (factd_grams() gives the same tokens faster).
-- A character is one of the runs when its code point is in U+3400..U+4DBF,
-- U+4E00..U+9FFF, U+F900..U+FAFF, U+20000..U+3134F, or is U+3007 (〇).
INSERT INTO facts_fts (rowid, sentence)
SELECT id, (
    WITH RECURSIVE
        pos (s, i, han, rest) AS (
            SELECT f.sentence, 1, NULL, ''
            UNION ALL
            SELECT s, i + 1,
                   (unicode(substr(s, i, 1)) BETWEEN 13312 AND 19903
                    OR unicode(substr(s, i, 1)) BETWEEN 19968 AND 40959
                    OR unicode(substr(s, i, 1)) BETWEEN 63744 AND 64255
                    OR unicode(substr(s, i, 1)) BETWEEN 131072 AND 201551
                    OR unicode(substr(s, i, 1)) = 12295),
                   rest || CASE WHEN han THEN ' ' ELSE substr(s, i - 1, 1) END
            FROM pos WHERE i <= length(s)
        ),
        piece (s, i, k) AS (
            SELECT s, i - 1, 1 FROM pos WHERE han
            UNION ALL
            SELECT s, i, k + 1 FROM piece
            WHERE k < 32
              AND (unicode(substr(s, i + k, 1)) BETWEEN 13312 AND 19903
                   OR unicode(substr(s, i + k, 1)) BETWEEN 19968 AND 40959
                   OR unicode(substr(s, i + k, 1)) BETWEEN 63744 AND 64255
                   OR unicode(substr(s, i + k, 1)) BETWEEN 131072 AND 201551
                   OR unicode(substr(s, i + k, 1)) = 12295)
        ),
        token (t) AS (
            SELECT rest || CASE WHEN han THEN ' ' ELSE substr(s, i - 1, 1) END
            FROM pos WHERE i = length(s) + 1
            UNION ALL
            SELECT substr(s, i, k) FROM piece
        )
    SELECT group_concat(t, ' ') FROM token)
FROM facts f;

-- migration 8: one search index

-- fact_search (migrations 2 and 4) found a word only typed with spaces
-- (MATCH '"面 积"') and across punctuation too (公园,区内 gave 园区);
-- facts_fts (migration 7) finds it as typed and exactly, in a third of the
-- room.  Keeping both cost every write twice (docs/search.md).
DROP TABLE fact_search;
