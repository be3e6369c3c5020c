// Establishments (from GIAS), local authorities, and reported corrections to either.
export default `
create table establishments (
  laestab text primary key,
  urn text,
  name text not null,
  la_code text not null,
  la_name text not null,
  type text not null default '',
  status text not null default 'open' check (status in ('open', 'closed')),
  independent boolean not null default false,
  email text,
  updated_at timestamptz not null default now()
);
create index establishments_la on establishments (la_code);
create index establishments_urn on establishments (urn);

create table local_authorities (
  code text primary key,
  name text not null,
  email text
);

create table corrections (
  id uuid primary key default gen_random_uuid(),
  laestab text not null references establishments (laestab),
  user_id uuid not null,
  text text not null,
  created_at timestamptz not null default now(),
  resolved_at timestamptz
);
`;
