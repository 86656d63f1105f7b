/**
 * Finds a key that appears twice in one JSON object. JSON.parse keeps the
 * last of duplicate keys without a word, so a safetensors header listing a
 * tensor twice, or a shard index listing a tensor in two shards, would load
 * whichever came last. The reference safetensors implementation refuses
 * such headers; so do we.
 *
 * One linear pass over text that JSON.parse has already accepted (so the
 * scanner may assume it is well formed): a stack with one set of keys per
 * open object, strings skipped with their escapes.
 */

/** A key repeated inside one object, with the keys leading to that object (empty for the top level). */
export interface DuplicateKey {
  key: string;
  path: string[];
}

export function findDuplicateKey(json: string): DuplicateKey | null {
  // One frame per open container: a Set of keys for an object, null for an array.
  const stack: Array<{ keys: Set<string>; lastKey: string } | null> = [];
  const path: string[] = [];
  let expectKey = false;
  for (let i = 0; i < json.length; i++) {
    const c = json[i];
    if (c === '"') {
      const end = stringEnd(json, i);
      const frame = stack[stack.length - 1];
      if (expectKey && frame) {
        const key = JSON.parse(json.slice(i, end + 1)) as string;
        if (frame.keys.has(key)) return { key, path: path.slice() };
        frame.keys.add(key);
        frame.lastKey = key;
        expectKey = false;
      }
      i = end;
    } else if (c === '{') {
      const parent = stack[stack.length - 1];
      if (stack.length > 0) path.push(parent ? parent.lastKey : '[]');
      stack.push({ keys: new Set(), lastKey: '' });
      expectKey = true;
    } else if (c === '[') {
      const parent = stack[stack.length - 1];
      if (stack.length > 0) path.push(parent ? parent.lastKey : '[]');
      stack.push(null);
    } else if (c === '}' || c === ']') {
      stack.pop();
      path.pop();
      expectKey = false;
    } else if (c === ',') {
      expectKey = stack[stack.length - 1] !== null && stack.length > 0;
    }
  }
  return null;
}

/** Index of the quote closing the string that opens at `start`. */
function stringEnd(json: string, start: number): number {
  for (let i = start + 1; i < json.length; i++) {
    if (json[i] === '\\') i++;
    else if (json[i] === '"') return i;
  }
  return json.length - 1;
}
