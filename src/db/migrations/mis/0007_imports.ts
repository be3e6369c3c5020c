// Imports of CTFs into the register. Each keeps its file (to commit from, and to know the same
// file again by its SHA-256), the pupils' proposed matches, and once committed, each pupil's
// record before and after, so that the whole import can be undone field for field.
export default `
create table if not exists imports (
  id uuid primary key default gen_random_uuid(),
  file_name text not null,
  sha256 text not null,
  source text not null check (source in ('hub', 'folder', 'upload')),
  transfer_id uuid,
  from_laestab text,
  from_name text,
  xml text not null,
  proposals jsonb not null,
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
  before jsonb,
  after jsonb not null,
  primary key (import_id, position)
);
`;
