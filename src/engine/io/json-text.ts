/**
 * Patches top-level members of a JSON object in its own text: every byte
 * outside the patched values stays as written. config.json round-tripped
 * through JSON.parse loses what JavaScript numbers cannot say (`0.0` becomes
 * `0`, `10000.0` becomes `10000`, `1e-05` becomes `0.00001`), which changes
 * the types transformers reads back; patching the text keeps them.
 *
 * The text must already be valid JSON (JSON.parse accepted it): the scanner
 * walks it once, finding each top-level member's key and value span.
 */

interface MemberSpan {
  key: string;
  /** Where the member's key string starts (its indentation is the text before it on its line). */
  keyStart: number;
  valueStart: number;
  /** One past the value's last character. */
  valueEnd: number;
}

/**
 * `text` with each key of `patches` set to its value: an existing member's
 * value is replaced in place, a new member is appended at the end of the
 * object in the text's own indentation; a value of `undefined` removes
 * nothing and is skipped. Throws if `text` is not a JSON object.
 */
export function patchJsonObjectText(text: string, patches: Record<string, unknown>): string {
  const parsed: unknown = JSON.parse(text);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('patchJsonObjectText: not a JSON object');
  const members = topLevelMembers(text);
  const indent = members.length > 0 ? lineIndent(text, members[0].keyStart) : '  ';
  const edits: { start: number; end: number; text: string }[] = [];
  const appended: string[] = [];
  for (const [key, value] of Object.entries(patches)) {
    if (value === undefined) continue;
    const member = members.find((m) => m.key === key);
    const valueText = indentValue(JSON.stringify(value, null, indent.length || 2), indent);
    if (member) edits.push({ start: member.valueStart, end: member.valueEnd, text: valueText });
    else appended.push(`${indent}${JSON.stringify(key)}: ${valueText}`);
  }
  let out = text;
  if (appended.length > 0) {
    // After the last member's value (or straight after `{`), before the whitespace that precedes `}`.
    const last = members[members.length - 1];
    const at = last ? last.valueEnd : text.indexOf('{') + 1;
    const joined = (last ? ',' : '') + appended.map((m) => `\n${m}`).join(',');
    const closingBreak = last ? '' : '\n';
    edits.push({ start: at, end: at, text: joined + closingBreak });
  }
  for (const edit of edits.sort((a, b) => b.start - a.start)) out = out.slice(0, edit.start) + edit.text + out.slice(edit.end);
  return out;
}

/** A multi-line value's inner lines, shifted to sit under its key. */
function indentValue(json: string, indent: string): string {
  return json.split('\n').map((line, i) => (i === 0 ? line : indent + line)).join('\n');
}

function lineIndent(text: string, position: number): string {
  const lineStart = text.lastIndexOf('\n', position - 1) + 1;
  const before = text.slice(lineStart, position);
  return /^[ \t]*$/.test(before) ? before : '  ';
}

/** The top-level object's members, in text order. */
function topLevelMembers(text: string): MemberSpan[] {
  const members: MemberSpan[] = [];
  let depth = 0;
  let pendingKey: { key: string; keyStart: number } | null = null;
  let current: MemberSpan | null = null;
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      const end = stringEnd(text, i);
      if (depth === 1 && expectKey) {
        pendingKey = { key: JSON.parse(text.slice(i, end + 1)) as string, keyStart: i };
        expectKey = false;
      } else if (depth === 1 && current && current.valueStart < 0) {
        current.valueStart = i;
      }
      i = end;
      if (current && depth === 1) current.valueEnd = i + 1;
      continue;
    }
    if (/\s/.test(c)) continue;
    if (c === '{' || c === '[') {
      if (depth === 0 && c === '{') {
        depth = 1;
        expectKey = true;
        continue;
      }
      if (depth === 1 && current && current.valueStart < 0) current.valueStart = i;
      depth++;
      continue;
    }
    if (c === '}' || c === ']') {
      depth--;
      if (depth === 0) return current ? [...members, current] : members;
      if (depth === 1 && current) current.valueEnd = i + 1;
      continue;
    }
    if (depth !== 1) continue;
    if (c === ':' && pendingKey) {
      current = { ...pendingKey, valueStart: -1, valueEnd: -1 };
      pendingKey = null;
      continue;
    }
    if (c === ',') {
      if (current) members.push(current);
      current = null;
      expectKey = true;
      continue;
    }
    // A number, true, false or null at the top level.
    if (current) {
      if (current.valueStart < 0) current.valueStart = i;
      current.valueEnd = i + 1;
    }
  }
  throw new Error('patchJsonObjectText: unterminated object');
}

/** Index of the quote closing the string that opens at `start`. */
function stringEnd(json: string, start: number): number {
  for (let i = start + 1; i < json.length; i++) {
    if (json[i] === '\\') i++;
    else if (json[i] === '"') return i;
  }
  return json.length - 1;
}
