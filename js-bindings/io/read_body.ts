// A fetch Response's body read in chunks, so that a server lying about (or omitting)
// Content-Length cannot make a loader hold more than it allows: past `max` bytes the stream is
// cancelled and `tooBig()` is thrown. Shared by io.loadFromUrl and the tfjs-layers URL loader.

export async function readBodyLimited(response: Response, max: number, tooBig: () => Error): Promise<Uint8Array> {
  if (Number(response.headers.get('content-length') ?? 0) > max) throw tooBig();
  if (response.body === null) {
    const buffer = new Uint8Array(await response.arrayBuffer());
    if (buffer.length > max) throw tooBig();
    return buffer;
  }
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > max) {
      await reader.cancel();
      throw tooBig();
    }
    chunks.push(value);
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) { out.set(c, at); at += c.length; }
  return out;
}
