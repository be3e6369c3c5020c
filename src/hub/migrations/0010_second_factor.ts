// A second factor: each user's authenticator key (sealed under the master key, never plain), the
// last 30-second step a code was used at (so no code works twice), a key being set up, ten
// single-use recovery codes (stored hashed), and a school's choice to require it of its users.
export default `
alter table users add column if not exists totp_secret text;
alter table users add column if not exists totp_pending text;
alter table users add column if not exists totp_last_step bigint;
alter table establishments add column if not exists second_factor_required boolean not null default false;

create table if not exists recovery_codes (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references users (id),
  code_hash text not null,
  used_at timestamptz
);
create index if not exists recovery_codes_user on recovery_codes (user_id);
`;
