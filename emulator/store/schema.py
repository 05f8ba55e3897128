"""SQLite schema of the emulator (times are epoch seconds, JSON columns are TEXT)."""

from __future__ import annotations

# Tables emptied by a reset, children first (foreign keys are enforced).
STATE_TABLES = (
    "human_input_forms",
    "workflow_runs",
    "upload_files",
    "request_counts",
    "settings",
    "installed_plugins",
    "dependency_checks",
    "pending_imports",
    "workflows",
    "apps",
    "device_polls",
    "device_codes",
    "tokens",
    "console_sessions",
    "invitations",
    "memberships",
    "workspaces",
    "accounts",
)

SCHEMA = """
CREATE TABLE IF NOT EXISTS accounts (
    id TEXT PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    password_hash TEXT,
    status TEXT NOT NULL,            -- active | pending | uninitialized | banned | closed
    avatar TEXT,
    created_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS workspaces (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    status TEXT NOT NULL,            -- normal | archive
    created_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS memberships (
    workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    role TEXT NOT NULL,              -- owner | admin | editor | normal | dataset_operator
    current INTEGER NOT NULL DEFAULT 0,
    created_at REAL NOT NULL,
    PRIMARY KEY (workspace_id, account_id)
);
CREATE INDEX IF NOT EXISTS memberships_by_account ON memberships(account_id);
CREATE TABLE IF NOT EXISTS invitations (
    token TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL,
    account_id TEXT NOT NULL,
    created_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS console_sessions (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    csrf_token TEXT NOT NULL,
    created_at REAL NOT NULL,
    expires_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS tokens (
    id TEXT PRIMARY KEY,
    token_hash TEXT UNIQUE,          -- sha256 hex; NULL once revoked (as Dify does)
    prefix TEXT NOT NULL,            -- dfoa_ | dfoe_
    account_id TEXT,
    subject_email TEXT NOT NULL,
    subject_issuer TEXT,
    client_id TEXT NOT NULL,
    device_label TEXT NOT NULL,
    created_at REAL NOT NULL,
    last_used_at REAL,
    expires_at REAL NOT NULL,
    revoked_at REAL
);
CREATE TABLE IF NOT EXISTS device_codes (
    device_code TEXT PRIMARY KEY,
    user_code TEXT NOT NULL UNIQUE,
    client_id TEXT NOT NULL,
    device_label TEXT NOT NULL,
    status TEXT NOT NULL,            -- pending | approved | denied
    created_at REAL NOT NULL,
    expires_at REAL NOT NULL,
    approved_at REAL,
    token_id TEXT,
    poll_payload TEXT
);
CREATE TABLE IF NOT EXISTS device_polls (
    device_code TEXT PRIMARY KEY,
    last_poll_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS apps (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    mode TEXT NOT NULL,
    name TEXT NOT NULL,
    description TEXT,
    icon_type TEXT,
    icon TEXT,
    icon_background TEXT,
    use_icon_as_answer_icon INTEGER NOT NULL DEFAULT 0,
    enable_site INTEGER NOT NULL DEFAULT 1,
    enable_api INTEGER NOT NULL DEFAULT 1,
    status TEXT NOT NULL DEFAULT 'normal',
    access_mode TEXT NOT NULL DEFAULT 'private',
    tags TEXT NOT NULL DEFAULT '[]',
    config TEXT NOT NULL DEFAULT '{}',          -- model_config or agent blocks of the DSL
    dependencies TEXT NOT NULL DEFAULT '[]',    -- the DSL's plugin dependencies
    created_by TEXT,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS apps_by_workspace ON apps(workspace_id, created_at);
CREATE TABLE IF NOT EXISTS workflows (
    id TEXT PRIMARY KEY,
    app_id TEXT NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
    version TEXT NOT NULL,           -- 'draft' or the published version stamp
    graph TEXT NOT NULL,
    features TEXT NOT NULL,
    environment_variables TEXT NOT NULL,
    conversation_variables TEXT NOT NULL,
    rag_pipeline_variables TEXT NOT NULL,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    marked_name TEXT NOT NULL DEFAULT '',     -- a published version's name (≤ 20 chars)
    marked_comment TEXT NOT NULL DEFAULT '',  -- and note (≤ 100 chars)
    created_by TEXT                           -- the account that published it
);
CREATE INDEX IF NOT EXISTS workflows_by_app ON workflows(app_id, version);
CREATE TABLE IF NOT EXISTS pending_imports (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL,
    account_id TEXT NOT NULL,
    payload TEXT NOT NULL,
    expires_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS dependency_checks (
    app_id TEXT PRIMARY KEY,
    dependencies TEXT NOT NULL,
    expires_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS installed_plugins (
    workspace_id TEXT NOT NULL,
    plugin_id TEXT NOT NULL,
    PRIMARY KEY (workspace_id, plugin_id)
);
CREATE TABLE IF NOT EXISTS settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS workflow_runs (
    id TEXT PRIMARY KEY,             -- the workflow run id (the events route's task_id)
    app_id TEXT NOT NULL,
    workspace_id TEXT NOT NULL,
    workflow_id TEXT,
    task_id TEXT NOT NULL,           -- the stream's task id
    created_by_role TEXT NOT NULL,   -- account | end_user
    created_by TEXT NOT NULL,
    status TEXT NOT NULL,            -- running | paused | succeeded | failed | stopped | ...
    inputs TEXT NOT NULL,
    outputs TEXT NOT NULL DEFAULT '{}',
    error TEXT,
    total_tokens INTEGER NOT NULL DEFAULT 0,
    total_steps INTEGER NOT NULL DEFAULT 0,
    created_at REAL NOT NULL,
    finished_at REAL,
    triggered_from TEXT NOT NULL DEFAULT 'app-run',  -- app-run | debugging (a draft test)
    version TEXT NOT NULL DEFAULT '',  -- the run workflow's version ('draft' for a test)
    graph TEXT NOT NULL DEFAULT '{}',  -- the graph the run executed (Dify keeps it too)
    node_steps TEXT NOT NULL DEFAULT '[]'  -- node_finished data, in order
);
CREATE TABLE IF NOT EXISTS human_input_forms (
    token TEXT PRIMARY KEY,          -- the secret a recipient acts with
    form_id TEXT NOT NULL DEFAULT '',  -- the record id: what messages may name
    app_id TEXT NOT NULL,
    workflow_run_id TEXT NOT NULL,
    payload TEXT NOT NULL,           -- the GET answer's fields, as JSON
    recipient TEXT,                  -- the surface allowed to act on it (NULL: none)
    expires_at REAL NOT NULL,
    submitted_at REAL,
    submission TEXT
);
CREATE TABLE IF NOT EXISTS upload_files (
    id TEXT PRIMARY KEY,
    app_id TEXT NOT NULL,
    workspace_id TEXT NOT NULL,
    name TEXT NOT NULL,
    size INTEGER NOT NULL,
    extension TEXT NOT NULL,
    mime_type TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at REAL NOT NULL,
    content BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS request_counts (
    route TEXT PRIMARY KEY,
    count INTEGER NOT NULL
);
"""

# Columns added after a table first shipped: (table, column, declaration). A database
# file written by an older emulator gets them on open (CREATE TABLE IF NOT EXISTS
# leaves its tables as they were).
ADDED_COLUMNS = (
    ("human_input_forms", "form_id", "TEXT NOT NULL DEFAULT ''"),
    ("workflow_runs", "triggered_from", "TEXT NOT NULL DEFAULT 'app-run'"),
    ("workflow_runs", "version", "TEXT NOT NULL DEFAULT ''"),
    ("workflow_runs", "graph", "TEXT NOT NULL DEFAULT '{}'"),
    ("workflow_runs", "node_steps", "TEXT NOT NULL DEFAULT '[]'"),
)
