// Imports of CTFs into the register. Each keeps its file's pupils as read (a preview reads one
// pupil, not the file), its SHA-256 to know the same file again, the pupils' proposed matches,
// and once committed, each merged pupil's changed fields before and after, so that the whole
// import can be undone field for field; for a pupil it added, a digest of the row it wrote, to
// tell whether anyone has changed it since. Kept as json, not jsonb: written once and read
// whole, so the database need not take them apart.
export default `
create table if not exists imports (
  id uuid primary key default gen_random_uuid(),
  file_name text not null,
  sha256 text not null,
  source text not null check (source in ('hub', 'folder', 'upload')),
  transfer_id uuid,
  from_laestab text,
  from_name text,
  file_pupils json not null,
  proposals json not null,
  status text not null check (status in ('proposed', 'committed', 'undone')),
  added integer not null default 0,
  merged integer not null default 0,
  skipped integer not null default 0,
  created_by uuid references users (id),
  created_at timestamptz not null default now(),
  committed_by uuid references users (id),
  committed_at timestamptz,
  undone_by uuid references users (id),
  undone_at timestamptz,
  undo_notes jsonb
);
create index if not exists imports_sha on imports (sha256);
create index if not exists imports_created on imports (created_at desc);

create table if not exists import_changes (
  import_id uuid not null references imports (id),
  position integer not null,
  pupil_id uuid not null,
  action text not null check (action in ('new', 'merge')),
  diff json,
  after_digest text,
  primary key (import_id, position)
);

-- What matching reads of every pupil, kept beside the record so that it is not dug out of each
-- record at each import.
alter table pupils add column if not exists former_upn text
  generated always as (record->'basicDetails'->>'formerUpn') stored;
alter table pupils add column if not exists preferred_surname text
  generated always as (record->'basicDetails'->>'preferredSurname') stored;
alter table pupils add column if not exists preferred_forename text
  generated always as (record->'basicDetails'->>'preferredForename') stored;
alter table pupils add column if not exists former_surname text
  generated always as (record->'basicDetails'->>'formerSurname') stored;
`;
