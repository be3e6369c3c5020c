// Single-use sign-in links, e-mailed to a new user or one whose password (or phone) was lost:
// the holder chooses a password. Stored only hashed; a day to use; a newer link voids older ones.
export default `
create table if not exists sign_in_links (
  token_hash text primary key,
  user_id uuid not null references users (id),
  purpose text not null check (purpose in ('welcome', 'reset')),
  reset_second_factor boolean not null default false,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  used_at timestamptz
);
create index if not exists sign_in_links_user on sign_in_links (user_id);
`;
