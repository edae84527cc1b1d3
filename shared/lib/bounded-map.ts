// A Map kept under a bound by starting over when full: for the per-process caches and memos whose
// entries are cheap to make again (signing keys, remembered callers, recorded uses), where an LRU's
// bookkeeping would buy nothing but a few repeated computations.
export class BoundedMap<K, V> extends Map<K, V> {
  constructor(readonly limit: number) {
    super();
  }

  /** Adds or replaces the entry; a new key when the map is full empties it first. */
  override set(key: K, value: V): this {
    if (this.size >= this.limit && !this.has(key)) this.clear();
    return super.set(key, value);
  }
}
