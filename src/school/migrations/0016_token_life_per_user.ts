// A manager may give one user a shorter longest token life than the school side's (null: the
// school side's), as the hub's administrators may.
export default `
alter table users add column if not exists token_max_days integer
  check (token_max_days between 1 and 3660);
`;
