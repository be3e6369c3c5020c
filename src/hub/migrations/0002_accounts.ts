// Users of three roles, their API tokens (stored hashed) and web sessions (stored hashed).
export default `
create table users (
  id uuid primary key default gen_random_uuid(),
  username text not null unique,
  email text not null,
  role text not null check (role in ('school', 'la', 'admin')),
  establishment text references establishments (laestab),
  la_code text,
  password_hash text not null,
  disabled boolean not null default false,
  failed_sign_ins integer not null default 0,
  locked_until timestamptz,
  created_at timestamptz not null default now(),
  check ((role = 'school') = (establishment is not null)),
  check ((role = 'la') = (la_code is not null))
);

create table api_tokens (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references users (id),
  token_hash text not null unique,
  label text not null default '',
  created_at timestamptz not null default now(),
  last_used_at timestamptz,
  revoked_at timestamptz
);

create table sessions (
  token_hash text primary key,
  user_id uuid not null references users (id),
  created_at timestamptz not null default now(),
  expires_at timestamptz not null
);
create index sessions_user on sessions (user_id);
`;
