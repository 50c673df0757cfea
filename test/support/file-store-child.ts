// Run as a separate process by the file store's tests: a second writer on the same folder.
//   node file-store-child.ts ROOT increment N   — N read-modify-write transactions on counters/c
//   node file-store-child.ts ROOT hold           — takes the lock in a transaction and never ends
//   node file-store-child.ts ROOT bulk N VALUE   — one transaction setting N documents to VALUE
import { FileDocumentStore } from '../../shared/adapters/file-document-store.ts';

const [root, command, count, value] = process.argv.slice(2);
if (root === undefined) throw new Error('usage: file-store-child.ts ROOT COMMAND …');
const store = new FileDocumentStore({ root });

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
} else if (command === 'bulk') {
  await store.transact((transaction) => {
    for (let index = 0; index < Number(count); index++) {
      transaction.set(`bulk/${String(index).padStart(5, '0')}`, { value });
    }
    process.stdout.write('committing\n');
    return Promise.resolve();
  });
} else {
  throw new Error(`unknown command ${String(command)}`);
}
