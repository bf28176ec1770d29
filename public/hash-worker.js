// Hashes a File with the browser's own SHA-256, in a worker of its own.
// In the page, reading the file into memory and hashing it blocked the
// page's thread for about 0.3 s per 100 MB, and the workers that parse the
// file waited that long for their next slices. The digest comes back in
// lower-case hex, or an error message.
self.onmessage = async (event) => {
  try {
    const buffer = new FileReaderSync().readAsArrayBuffer(event.data);
    const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', buffer));
    self.postMessage({ hex: Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('') });
  } catch (e) {
    self.postMessage({ error: String((e && e.message) || e) });
  }
};
