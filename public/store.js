// Keeps the person's work in this browser's IndexedDB, so a reload loses
// nothing: one object store of a few keys ("settings", "file", "outcome"),
// whose values are structured clones (a File stays a File, a NaN a NaN).
// Written by hand as promises over IndexedDB's events: the app needs four
// calls, and a Rust binding crate would add far more code to the wasm than
// these lines. Every call rejects, never throws, when the browser refuses
// storage (private browsing, storage turned off, the quota spent).
(() => {
  const DB = 'glassbox';
  const STORE = 'work';
  let opened = null;
  function open() {
    if (!opened) {
      opened = new Promise((resolve, reject) => {
        let request;
        try { request = indexedDB.open(DB, 1); } catch (e) { reject(e); return; }
        request.onupgradeneeded = () => request.result.createObjectStore(STORE);
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
        request.onblocked = () => reject(new Error('another tab holds an older copy of the storage open'));
      });
      // A refusal is not remembered: the next call asks again.
      opened.catch(() => { opened = null; });
    }
    return opened;
  }
  function run(mode, act) {
    return open().then((db) => new Promise((resolve, reject) => {
      const tx = db.transaction(STORE, mode);
      const request = act(tx.objectStore(STORE));
      tx.oncomplete = () => resolve(request.result);
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error ?? new Error('the browser refused to store it'));
    }));
  }
  self.glassboxStore = {
    get: (key) => run('readonly', (s) => s.get(key)),
    put: (key, value) => run('readwrite', (s) => s.put(value, key)),
    remove: (key) => run('readwrite', (s) => s.delete(key)),
    clear: () => run('readwrite', (s) => s.clear()),
    // Bytes the origin may still store, or null where the browser does not say.
    room: async () => {
      const e = await navigator.storage?.estimate?.();
      return e && typeof e.quota === 'number' ? e.quota - (e.usage ?? 0) : null;
    },
  };
})();
