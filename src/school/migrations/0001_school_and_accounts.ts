// One school per database: its numbers, its name, its connection to the hub (the token sealed
// under the master key), and the people who use it, with their sessions and API tokens (hashed).
export default `
create table if not exists school (
  one boolean primary key default true check (one),
  laestab text not null check (laestab ~ '^[0-9]{7}$'),
  name text not null,
  hub_url text,
  hub_token_sealed text,
  created_at timestamptz not null default now()
);

create table if not exists users (
  id uuid primary key default gen_random_uuid(),
  username text not null unique,
  email text not null,
  role text not null check (role in ('manager', 'staff')),
  password_hash text not null,
  disabled boolean not null default false,
  created_at timestamptz not null default now()
);

create table if not exists api_tokens (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references users (id),
  token_hash text not null unique,
  created_at timestamptz not null default now(),
  last_used_at timestamptz,
  revoked_at timestamptz
);

create table if not exists sessions (
  token_hash text primary key,
  user_id uuid not null references users (id),
  created_at timestamptz not null default now(),
  expires_at timestamptz not null
);

create table if not exists audit_events (
  id bigserial primary key,
  at timestamptz not null default now(),
  user_id uuid,
  username text,
  action text not null,
  target text,
  detail jsonb not null default '{}'
);
`;
