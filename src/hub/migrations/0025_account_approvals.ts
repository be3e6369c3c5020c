// An account an administrator makes at a school or LA waits, unable to sign in, until its
// organisation approves it: by one of its users, by its notice address's single-use link, or
// (no users yet) by a second administrator. Only the link's hash is kept.
export default `
alter table users add column if not exists awaiting_approval boolean not null default false;
create table if not exists account_approvals (
  user_id uuid primary key references users(id) on delete cascade,
  requested_by uuid not null,
  token_hash text not null unique,
  expires_at timestamptz not null,
  created_at timestamptz not null default now()
);
`;
