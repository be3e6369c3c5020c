// An upload's body is a stream, read after its Idempotency-Key is claimed: what it held (its
// name and SHA-256) is kept with the answer, so a retry with another file is told so (422)
// instead of getting the first file's answer.
export default `
alter table idempotency_keys add column if not exists content text;
`;
