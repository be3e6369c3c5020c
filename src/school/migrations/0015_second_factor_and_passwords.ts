// The school side's accounts on the platform's rules, as the hub's: a second factor (an
// authenticator key sealed under the master key, the last step a code was used at, a key being
// set up, ten recovery codes kept hashed), required of managers and, when the school says so, of
// staff; a password the operator set, to be replaced at first sign-in; and single-use links by
// which a manager lets a user set a new password without seeing it.
export default `
alter table users add column if not exists totp_secret text;
alter table users add column if not exists totp_pending text;
alter table users add column if not exists totp_last_step bigint;
alter table users add column if not exists must_change_password boolean not null default false;
alter table school add column if not exists staff_second_factor boolean not null default false;
-- API tokens as the hub's (one implementation, platform/accounts/api-tokens.ts).
alter table api_tokens add column if not exists label text not null default '';
alter table api_tokens add column if not exists expires_at timestamptz;

create table if not exists recovery_codes (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references users (id),
  code_hash text not null,
  used_at timestamptz
);
create index if not exists recovery_codes_user on recovery_codes (user_id);

create table if not exists sign_in_links (
  token_hash text primary key,
  user_id uuid not null references users (id),
  purpose text not null,
  reset_second_factor boolean not null default false,
  created_at timestamptz not null,
  expires_at timestamptz not null,
  used_at timestamptz
);
create index if not exists sign_in_links_user on sign_in_links (user_id);
`;
