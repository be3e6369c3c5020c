// Schools the school sends to or takes pupils from (the LAESTAB and name from the hub's
// directory, never typed), and each CTF exported: its file, its pupils, and what the hub says.
export default `
create table if not exists associated_schools (
  laestab text primary key check (laestab ~ '^[0-9]{7}$'),
  urn text,
  name text not null,
  la_code text not null,
  la_name text not null,
  code text,
  feeder boolean not null default false,
  added_at timestamptz not null default now()
);

create table if not exists exports (
  id uuid primary key default gen_random_uuid(),
  file_name text not null unique,
  destination text not null,
  pupil_ids uuid[] not null,
  xml text not null,
  status text not null check (status in ('waiting', 'sent', 'saved', 'refused')),
  transfer_id uuid,
  hub_status text,
  hub_detail jsonb,
  last_error text,
  sending_since timestamptz,
  created_by uuid references users (id),
  created_at timestamptz not null default now(),
  sent_at timestamptz,
  checked_at timestamptz
);
create index if not exists exports_created on exports (created_at desc);
`;
