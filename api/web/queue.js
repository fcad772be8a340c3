// The offline outbox: check-ins, exercise logs, lesson completions and messages wait here, under the ids the phone
// gave them, until the server has answered for them. The server treats a replayed id as
// the same record, so sending an item twice (a crash between send and delete) is safe.

const DB_NAME = "fascia";
const STORE = "outbox";

function open() {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(DB_NAME, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE, { keyPath: "id" });
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

async function run(mode, work) {
  const db = await open();
  try {
    return await new Promise((resolve, reject) => {
      const tx = db.transaction(STORE, mode);
      const result = work(tx.objectStore(STORE));
      tx.oncomplete = () => resolve(result && "result" in result ? result.result : undefined);
      tx.onerror = () => reject(tx.error);
    });
  } finally {
    db.close();
  }
}

/**
 * Adds `{ id, kind, body }`; `kind` is "check_in", "exercise_log", "lesson_completion"
 * (which also has `lesson_id`) or "message" (which may have `images`, a list of Files).
 */
export const add = (item) => run("readwrite", (s) => s.put(item));
export const all = () => run("readonly", (s) => s.getAll());
export const remove = (id) => run("readwrite", (s) => s.delete(id));
export const clear = () => run("readwrite", (s) => s.clear());
