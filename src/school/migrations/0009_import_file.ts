// An import keeps the file it was made from, compressed (a CTF's XML shrinks about tenfold), in
// place of its pupils as JSON: storing the parsed pupils cost an import more than any other write
// of it, and they are read back only by a process that did not make the import. Already
// compressed, so the database does not try again. Imports made before keep their pupils as JSON.
export default `
alter table imports add column if not exists file bytea;
alter table imports alter column file set storage external;
alter table imports alter column file_pupils drop not null;
`;
