// Wrong passwords counted by the name typed, as on the hub (and by the same code): five lock the
// name for fifteen minutes, whether or not an account has it.
export default `
create table if not exists sign_in_attempts (
  username text primary key,
  failures integer not null default 0,
  locked_until timestamptz,
  last_attempt_at timestamptz not null default now()
);
`;
