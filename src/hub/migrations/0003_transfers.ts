// Transfers (one uploaded CTF each), the pupils indexed from them, and the append-only audit.
export default `
create table transfers (
  id uuid primary key default gen_random_uuid(),
  file_name text not null,
  source_laestab text not null,
  dest_laestab text not null,
  dest_kind text not null check (dest_kind in ('school', 'la', 'lost', 'outside')),
  sequence integer not null,
  status text not null check (status in
    ('checking', 'failed', 'available', 'lost', 'outside', 'downloaded', 'rejected', 'removed', 'expired')),
  sender_user_id uuid not null references users (id),
  size_bytes integer not null,
  sha256 text not null,
  store_key text,
  ctf_version text,
  pupil_count integer not null default 0,
  errors jsonb not null default '[]',
  warnings jsonb not null default '[]',
  created_at timestamptz not null default now(),
  checked_at timestamptz,
  downloaded_at timestamptz,
  downloaded_by uuid references users (id),
  rejected_at timestamptz,
  reject_reason text,
  removed_at timestamptz,
  expires_at timestamptz,
  expiry_warned_at timestamptz,
  purged_at timestamptz
);
create index transfers_dest on transfers (dest_laestab, status);
create index transfers_source on transfers (source_laestab, created_at);
create index transfers_expiry on transfers (status, expires_at);

create table transfer_pupils (
  transfer_id uuid not null references transfers (id),
  position integer not null,
  upn text,
  former_upn text,
  surname text not null default '',
  forename text not null default '',
  preferred_surname text,
  preferred_forename text,
  former_surname text,
  dob date,
  sex text,
  nc_year text,
  primary key (transfer_id, position)
);
create index transfer_pupils_upn on transfer_pupils (upn);

create table audit_events (
  id bigserial primary key,
  at timestamptz not null default now(),
  user_id uuid,
  username text,
  organisation text,
  action text not null,
  target text,
  ip text,
  detail jsonb not null default '{}'
);
create index audit_events_at on audit_events (at);
create index audit_events_action on audit_events (action, at);
`;
