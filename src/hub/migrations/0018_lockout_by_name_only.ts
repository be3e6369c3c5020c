// Lockout moved to sign_in_attempts (0009), counted by name whether or not the account exists;
// the per-user counters were never read again.
export default `
alter table users drop column if exists failed_sign_ins;
alter table users drop column if exists locked_until;
`;
