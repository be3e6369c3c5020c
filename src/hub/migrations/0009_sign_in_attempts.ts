// Wrong passwords counted by the name typed, whether or not an account has it, so that an unknown
// name locks exactly as a real one does and a guesser cannot tell them apart. Each attempt is
// claimed here before its password is checked, so attempts at the same moment each count.
export default `
create table if not exists sign_in_attempts (
  username text primary key,
  failures integer not null default 0,
  locked_until timestamptz,
  last_attempt_at timestamptz not null default now()
);
`;
