// Run as a separate process by the SQLite store's tests: a second writer on the same file.
//   node sqlite-store-child.ts FILE increment N    — N read-modify-write transactions on counters/c
//   node sqlite-store-child.ts FILE hold           — holds a transaction open and never ends
//   node sqlite-store-child.ts FILE hold-then-set  — holds a transaction for a while, then sets
//                                                    things/a to {by: "child"} and commits
//   node sqlite-store-child.ts FILE bulk N VALUE   — one transaction setting N documents to VALUE
import { filterSqliteExperimentalWarning } from '../../cli/sqlite-warning.ts';

filterSqliteExperimentalWarning();
const { SqliteDocumentStore } = await import('../../shared/adapters/sqlite-document-store.ts');

const [file, command, count, value] = process.argv.slice(2);
if (file === undefined) throw new Error('usage: sqlite-store-child.ts FILE COMMAND …');
const store = new SqliteDocumentStore({ file });

if (command === 'increment') {
  for (let index = 0; index < Number(count); index++) {
    await store.transact(async (transaction) => {
      const counter = await transaction.get('counters/c');
      transaction.set('counters/c', { value: Number(counter?.['value'] ?? 0) + 1 });
    });
  }
} else if (command === 'hold') {
  await store.transact(async () => {
    process.stdout.write('holding\n');
    // A timer keeps the process alive: a bare pending promise would let it exit.
    await new Promise(() => setInterval(() => undefined, 60_000));
  });
} else if (command === 'hold-then-set') {
  await store.transact(async (transaction) => {
    process.stdout.write('holding\n');
    await new Promise((resolve) => setTimeout(resolve, 1000));
    transaction.set('things/a', { by: 'child' });
  });
} else if (command === 'bulk') {
  await store.transact((transaction) => {
    for (let index = 0; index < Number(count); index++) {
      transaction.set(`bulk/${String(index).padStart(5, '0')}`, { value });
    }
    // Pipes are written synchronously on Linux: the parent may kill this process from here on.
    process.stdout.write('committing\n');
    return Promise.resolve();
  });
} else {
  throw new Error(`unknown command ${String(command)}`);
}
await store.close();
